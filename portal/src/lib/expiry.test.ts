import { describe, expect, it } from 'vitest'
import { WARN_BEFORE_MS, formatCountdown, nextChange, phaseAt, watchExpiry } from './expiry'

function fakeClock(start: number) {
  let now = start
  let pending: { at: number; fn: () => void; id: number }[] = []
  let ids = 0
  return {
    now: () => now,
    setTimeout: (fn: () => void, ms: number) => { pending.push({ at: now + ms, fn, id: ++ids }); return ids },
    clearTimeout: (id: unknown) => { pending = pending.filter((p) => p.id !== id) },
    advance(ms: number) {
      const end = now + ms
      for (;;) {
        pending.sort((a, b) => a.at - b.at)
        const next = pending[0]
        if (!next || next.at > end) break
        pending.shift()
        now = next.at
        next.fn()
      }
      now = end
    },
  }
}

describe('session expiry', () => {
  const end = 1_000_000_000
  it('is active, then warns before the end, then expires', () => {
    expect(phaseAt(end - WARN_BEFORE_MS - 1, end)).toBe('active')
    expect(phaseAt(end - WARN_BEFORE_MS, end)).toBe('warning')
    expect(phaseAt(end - 1, end)).toBe('warning')
    expect(phaseAt(end, end)).toBe('expired')
    expect(nextChange(end - WARN_BEFORE_MS - 1000, end)).toBe(1000)
    expect(nextChange(end - 5000, end)).toBe(5000)
    expect(nextChange(end + 1, end)).toBeNull()
  })
  it('warns once and expires once, at their moments', () => {
    const clock = fakeClock(end - 30 * 60 * 1000)
    const calls: string[] = []
    watchExpiry(end, { onWarning: () => calls.push(`warn@${end - clock.now()}`), onExpired: () => calls.push(`end@${clock.now() - end}`) }, clock)
    clock.advance(27 * 60 * 1000)
    expect(calls).toEqual([])
    clock.advance(60 * 1000 + 100)
    expect(calls.length).toBe(1)
    expect(calls[0].startsWith('warn@')).toBe(true)
    expect(Number(calls[0].slice(5))).toBeGreaterThan(WARN_BEFORE_MS - 200)
    clock.advance(3 * 60 * 1000)
    expect(calls.length).toBe(2)
    expect(calls[1].startsWith('end@')).toBe(true)
    expect(Number(calls[1].slice(4))).toBeLessThan(200)
    clock.advance(10 * 60 * 1000)
    expect(calls.length).toBe(2)
  })
  it('expires at once for a session already over, and stops when told', () => {
    const clock = fakeClock(end + 5)
    let expired = 0
    watchExpiry(end, { onWarning: () => {}, onExpired: () => { expired += 1 } }, clock)
    expect(expired).toBe(1)
    const later = fakeClock(end - 10 * 60 * 1000)
    let warned = 0
    const stop = watchExpiry(end, { onWarning: () => { warned += 1 }, onExpired: () => { expired += 1 } }, later)
    stop()
    later.advance(20 * 60 * 1000)
    expect(warned).toBe(0)
    expect(expired).toBe(1)
  })
  it('counts down in minutes and seconds', () => {
    expect(formatCountdown(65_000)).toBe('1分05秒')
    expect(formatCountdown(9_200)).toBe('10秒')
    expect(formatCountdown(-5)).toBe('0秒')
  })
})
