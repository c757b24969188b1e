// The session: the token in memory and in sessionStorage (this tab only, gone when it closes;
// never a cookie the API would trust).
import { reactive } from 'vue'

const KEY = 'hpf.session'

export interface SessionState {
  token: string | null
  expiresAt: string | null
  mustChangePassword: boolean
  unitAccount: string | null
  clerkName: string | null
  unitName: string | null
}

function load(): SessionState {
  try {
    const raw = typeof sessionStorage === 'undefined' ? null : sessionStorage.getItem(KEY)
    if (raw) {
      const saved = JSON.parse(raw) as SessionState
      if (saved.token && saved.expiresAt && Date.parse(saved.expiresAt) > Date.now()) return saved
    }
  } catch {
    /* a damaged entry is no session */
  }
  return { token: null, expiresAt: null, mustChangePassword: false, unitAccount: null, clerkName: null, unitName: null }
}

export const session = reactive<SessionState>(load())

function save() {
  if (typeof sessionStorage === 'undefined') return
  if (session.token) sessionStorage.setItem(KEY, JSON.stringify(session))
  else sessionStorage.removeItem(KEY)
}

export function startSession(token: string, expiresAt: string, mustChangePassword: boolean,
  unitAccount: string, unitName: string, clerkName: string) {
  Object.assign(session, { token, expiresAt, mustChangePassword, unitAccount, unitName, clerkName })
  save()
}

export function endSession() {
  Object.assign(session, { token: null, expiresAt: null, mustChangePassword: false, unitAccount: null, clerkName: null, unitName: null })
  save()
}

export function isLoggedIn(): boolean {
  return Boolean(session.token && session.expiresAt && Date.parse(session.expiresAt) > Date.now())
}
