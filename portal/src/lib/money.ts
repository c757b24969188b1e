// The money pages' small rules: months (YYYYMM), the month a remittance is due, how a
// verification's state and its change against the last posted month read to a clerk.
import { CENTRE_TIME_ZONE, formatMoney } from './format'

const MONTH = /^(\d{4})(0[1-9]|1[0-2])$/

/** A month YYYYMM is well formed. */
export function isMonth(value: string | null | undefined): value is string {
  return Boolean(value && MONTH.test(value))
}

/** The month of today (YYYYMM) in the centre's calendar. */
export function currentMonth(now: Date = new Date(), zone = CENTRE_TIME_ZONE): string {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit' })
    .formatToParts(now).map((x) => [x.type, x.value]))
  return `${p.year}${p.month}`
}

/** "202612" plus `count` months (negative: before). */
export function addMonths(month: string, count: number): string {
  const match = MONTH.exec(month)
  if (!match) throw new Error(`not a month: ${month}`)
  const index = Number(match[1]) * 12 + Number(match[2]) - 1 + count
  return `${Math.floor(index / 12)}${String((index % 12) + 1).padStart(2, '0')}`
}

/** "202612" → "2026年12月" ("" when there is none). */
export function monthLabel(month: string | null | undefined): string {
  const match = MONTH.exec(month ?? '')
  return match ? `${match[1]}年${match[2]}月` : ''
}

/** The month a monthly remittance is due: the one after 缴至月份, else the first remittance month;
 * with neither known, the current month. */
export function dueMonth(paidUpTo: string | null | undefined, firstMonth: string | null | undefined, current: string): string {
  if (isMonth(paidUpTo)) return addMonths(paidUpTo, 1)
  if (isMonth(firstMonth)) return firstMonth
  return current
}

export type TagType = 'primary' | 'success' | 'warning' | 'info' | 'danger'

const STATUS_TAGS: Record<string, TagType> = {
  saved: 'primary', awaiting: 'warning', posting: 'warning', posted: 'success', discarded: 'info', cancelled: 'info',
}

/** The tag colour of a verification's state (the name itself comes with the verification). */
export function statusTag(status: string | null | undefined): TagType {
  return STATUS_TAGS[status ?? ''] ?? 'info'
}

/** What the clerk may still do with a verification in this state. */
export function actionsOf(status: string | null | undefined): { discard: boolean; submit: boolean; cancel: boolean } {
  return { discard: status === 'saved', submit: status === 'saved', cancel: status === 'awaiting' }
}

export interface Changes {
  previous_month?: string | null
  previous_headcount?: number
  previous_amount?: string
  added?: number
  removed?: number
  amount_up?: string
  amount_down?: string
}

/** The change against the last posted month, as one line: "较2026年11月：增加2人，减少1人，金额增加240.00元". */
export function changeText(changes: Changes | null | undefined): string {
  if (!changes) return ''
  const since = changes.previous_month ? `较${monthLabel(changes.previous_month)}` : '首次汇缴'
  const parts: string[] = []
  if (changes.added) parts.push(`增加${changes.added}人`)
  if (changes.removed) parts.push(`减少${changes.removed}人`)
  if (!changes.added && !changes.removed) parts.push('人数无变化')
  const up = formatMoney(changes.amount_up ?? '0')
  const down = formatMoney(changes.amount_down ?? '0')
  if (up !== '0.00') parts.push(`金额增加${up}元`)
  else if (down !== '0.00') parts.push(`金额减少${down}元`)
  else parts.push('金额无变化')
  return `${since}：${parts.join('，')}`
}

/** A signed ledger amount split for the two columns clerks read: 借方 (out) and 贷方 (in). */
export function debitCredit(amount: string | null | undefined): { debit: string; credit: string } {
  const text = (amount ?? '').trim()
  if (!text) return { debit: '', credit: '' }
  if (text.startsWith('-')) return { debit: formatMoney(text.slice(1)), credit: '' }
  return { debit: '', credit: formatMoney(text) }
}

/** The business types an employer's ledger (单位明细) is queried by; 'all' is every type. */
export const EMPLOYER_LEDGER_TYPES: [string, string][] = [['all', '全部'], ['01', '汇缴'], ['02', '补缴'], ['99', '其他']]

/** The `type` query of a chosen business type (none for 全部). */
export function ledgerTypeQuery(type: string): { type?: string } {
  return type && type !== 'all' ? { type } : {}
}
