// Session expiry: a warning some minutes before the token's end, then back to the login page.

export const WARN_BEFORE_MS = 2 * 60 * 1000

export type Phase = 'active' | 'warning' | 'expired'

export function phaseAt(now: number, expiresAt: number, warnBefore = WARN_BEFORE_MS): Phase {
  if (now >= expiresAt) return 'expired'
  if (now >= expiresAt - warnBefore) return 'warning'
  return 'active'
}

/** How long until the phase next changes (ms), or null when expired. */
export function nextChange(now: number, expiresAt: number, warnBefore = WARN_BEFORE_MS): number | null {
  const phase = phaseAt(now, expiresAt, warnBefore)
  if (phase === 'expired') return null
  return phase === 'active' ? expiresAt - warnBefore - now : expiresAt - now
}

/** Calls onWarning once and onExpired once, at the right moments; returns a stop function. */
export function watchExpiry(
  expiresAt: number,
  handlers: { onWarning: () => void; onExpired: () => void },
  clock: { now: () => number; setTimeout: (fn: () => void, ms: number) => unknown; clearTimeout: (id: unknown) => void } = {
    now: () => Date.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
  },
  warnBefore = WARN_BEFORE_MS,
): () => void {
  let timer: unknown = null
  let warned = false
  let stopped = false
  const step = () => {
    if (stopped) return
    const now = clock.now()
    const phase = phaseAt(now, expiresAt, warnBefore)
    if (phase === 'expired') {
      stopped = true
      handlers.onExpired()
      return
    }
    if (phase === 'warning' && !warned) {
      warned = true
      handlers.onWarning()
    }
    // browsers clamp long timeouts and sleep in background tabs: check again at least every 30 s
    timer = clock.setTimeout(step, Math.min(nextChange(now, expiresAt, warnBefore) ?? 0, 30_000) + 50)
  }
  step()
  return () => {
    stopped = true
    if (timer !== null) clock.clearTimeout(timer)
  }
}

/** Seconds left → "1分05秒". */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000))
  const minutes = Math.floor(total / 60)
  const seconds = total % 60
  return minutes ? `${minutes}分${String(seconds).padStart(2, '0')}秒` : `${seconds}秒`
}
