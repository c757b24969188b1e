// What the 补缴核定 page (F13.1) decides in the browser: which months its picker offers and the body
// of a row from what the clerk picked and typed. The rules themselves (the HPF year, 缴至月份, the
// monthly cap) stay with the API, which checks again and answers in Chinese.
import { parseMoney } from './format'
import { isMonth } from './money'

export interface MonthRange { first: string; last: string }

/** July of the HPF year that `month` falls in (the HPF year runs from July to the next June). */
export function hpfYearFirstMonth(month: string): string {
  const year = Number(month.slice(0, 4))
  return Number(month.slice(4)) >= 7 ? `${year}07` : `${year - 1}07`
}

/**
 * The months a 补缴 can be for: the current HPF year's, up to 缴至月份 and never past the current
 * month; null when there is none (nothing remitted yet, or nothing this HPF year). Earlier years
 * are the counter's business.
 */
export function supplementaryMonths(paidUpTo: string | null | undefined, current: string): MonthRange | null {
  if (!isMonth(paidUpTo) || !isMonth(current)) return null
  const first = hpfYearFirstMonth(current)
  const last = paidUpTo < current ? paidUpTo : current
  return last >= first ? { first, last } : null
}

/** A month picker's date (the first of a month, in the browser's own calendar) as YYYYMM. */
export function monthOfPickerDate(date: Date): string {
  return `${date.getFullYear()}${String(date.getMonth() + 1).padStart(2, '0')}`
}

/** Is `month` one the picker offers? With no known range every month is offered: the API decides. */
export function monthOffered(month: string, range: MonthRange | null, known: boolean): boolean {
  if (!known) return true
  return Boolean(range && month >= range.first && month <= range.last)
}

export interface SupplementaryForm { month: string; amount: string; reason: string }

/** The row the API takes, by the picked member's account number; a clerk's slip is said in Chinese. */
export function supplementaryDraftBody(member: { account_no?: string } | null, form: SupplementaryForm):
  { account_no: string; month: string; amount: string; reason: string } {
  if (!member?.account_no) throw new Error('请先查询并选择职工')
  const month = form.month.trim()
  if (!month) throw new Error('请选择补缴月份')
  if (!isMonth(month)) throw new Error('补缴月份格式应为YYYYMM')
  const amount = amountProblem(form.amount)
  if (amount.problem) throw new Error(amount.problem)
  const reason = form.reason.trim()
  if (!reason) throw new Error('请填写补缴原因')
  return { account_no: member.account_no, month, amount: amount.value!, reason }
}

/** A typed 补缴金额 → the API's "1234.50", or why it is not one. */
export function amountProblem(input: string): { value?: string; problem?: string } {
  const value = parseMoney(input ?? '')
  if (value === null) return { problem: '补缴金额须为金额（元），最多两位小数' }
  if (/^0+\.00$/.test(value)) return { problem: '补缴金额须大于0' }
  return { value }
}
