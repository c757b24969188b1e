// Money and dates as a clerk reads them. Money arrives as strings (never floats) and is shown in
// 元 with thousands separators and two decimals; times arrive in UTC and are shown, like every
// date a clerk chooses, in the centre's calendar.

/** The centre's calendar (the gateway's HPF_TIMEZONE default). */
export const CENTRE_TIME_ZONE = 'Asia/Shanghai'

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/

/** "1234567.5" → "1,234,567.50"; half up beyond two decimals, on the digits, never through a float. */
export function formatMoney(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return ''
  const text = typeof value === 'number' ? String(value) : value.trim()
  const match = DECIMAL.exec(text)
  if (!match) return text
  const [, sign, whole, fraction = ''] = match
  let cents = BigInt(whole + (fraction + '00').slice(0, 2))
  if (fraction.length > 2 && fraction[2] >= '5') cents += 1n
  const negative = sign === '-' && cents !== 0n
  const digits = cents.toString().padStart(3, '0')
  const yuan = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${negative ? '-' : ''}${yuan}.${digits.slice(-2)}`
}

/** "1,234.5" or "1234.5" typed by a clerk → "1234.50" for the API, or null when it is not an amount. */
export function parseMoney(input: string): string | null {
  const text = input.replace(/[,，\s]/g, '')
  if (!/^\d+(\.\d{1,2})?$/.test(text)) return null
  const [whole, fraction = ''] = text.split('.')
  return `${BigInt(whole).toString()}.${(fraction + '00').slice(0, 2)}`
}

/** A rate such as 0.12 or "0.12" → "12%". */
export function formatRate(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return ''
  const text = String(value)
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text)
  if (!match) return text
  const [, whole, fraction = ''] = match
  const padded = (fraction + '00').slice(0, 2)
  const rest = fraction.slice(2).replace(/0+$/, '')
  const percent = String(Number(whole) * 100 + Number(padded))
  return `${percent}${rest ? '.' + rest : ''}%`
}

function parts(date: Date, zone = CENTRE_TIME_ZONE): Record<string, string> {
  const formatter = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  })
  return Object.fromEntries(formatter.formatToParts(date).map((p) => [p.type, p.value]))
}

/** An ISO time from the API → "2026-12-02 00:30:00" in the centre's calendar. */
export function formatDateTime(iso: string | null | undefined, zone = CENTRE_TIME_ZONE): string {
  if (!iso) return ''
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  const p = parts(date, zone)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`
}

/** "HH:mm" of an ISO time in the centre's calendar (lockout end, session end). */
export function formatClock(iso: string | null | undefined, zone = CENTRE_TIME_ZONE): string {
  const full = formatDateTime(iso, zone)
  return full ? full.slice(11, 16) : ''
}

/** Today's date (YYYY-MM-DD) in the centre's calendar. */
export function todayInCentre(now: Date = new Date(), zone = CENTRE_TIME_ZONE): string {
  const p = parts(now, zone)
  return `${p.year}-${p.month}-${p.day}`
}

/** A calendar date plus `days` (negative: before), without time zones getting in the way. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number)
  const moved = new Date(Date.UTC(y, m - 1, d + days))
  return moved.toISOString().slice(0, 10)
}

/** The default query range: the last `days` days up to today, in the centre's calendar. */
export function recentRange(days = 30, now: Date = new Date()): [string, string] {
  const today = todayInCentre(now)
  return [addDays(today, -(days - 1)), today]
}

/** A date picker's range → the API's start/end query (empty when not chosen). */
export function rangeQuery(range: [string, string] | null | undefined): { start?: string; end?: string } {
  return range && range[0] && range[1] ? { start: range[0], end: range[1] } : {}
}

/** HPF years that have ended on `today` (YYYY-MM-DD in the centre's calendar), newest first: year
 * Y runs from 1 July Y to 30 June Y+1. */
export function endedHpfYears(today: string, count = 5): number[] {
  const [year, month] = today.split('-').map(Number)
  const current = month >= 7 ? year : year - 1
  return Array.from({ length: count }, (_, i) => current - 1 - i)
}
