// What the status-change pages (封存/启封, 转入, 合并) decide in the browser: the body of a draft
// from what the clerk found and chose, which members a roster can take, and the accounts a
// CHOICE_REQUIRED refusal offers. The rules themselves stay with the API, which checks again.
import { ApiError } from './errors'
import { parseMoney } from './format'

/** Account statuses as the accounts side codes them (rules.STATUSES). */
export const NORMAL = '01'
export const SEALED = '02'

export interface FoundMember {
  account_no?: string
  name?: string
  status?: string
  status_name?: unknown
}

/** Seal and unseal drafts always name the picked account: a name alone may match several members. */
export function sealDraftBody(member: FoundMember | null, reason: string): { account_no: string; reason: string } {
  if (!member?.account_no) throw new Error('请先查询并选择职工')
  if (!reason) throw new Error('请选择封存原因')
  return { account_no: member.account_no, reason }
}

export function unsealDraftBody(member: FoundMember | null, reason: string, base: string): { account_no: string; reason: string; base: string } {
  if (!member?.account_no) throw new Error('请先查询并选择职工')
  if (!reason) throw new Error('请选择启封原因')
  const amount = parseMoney(base)
  if (amount === null) throw new Error('缴存基数须为金额（元），最多两位小数')
  return { account_no: member.account_no, reason, base: amount }
}

export function transferDraftBody(form: { name: string; id_number: string; reason: string }, accountNo = ''):
  { name: string; id_number: string; reason: string; account_no?: string } {
  const body = { name: form.name.trim(), id_number: form.id_number.trim().toUpperCase(), reason: form.reason }
  return accountNo ? { ...body, account_no: accountNo } : body
}

/**
 * Why a found member cannot go on this roster, or null when he can: a seal takes a normal
 * account, an unseal a sealed one. Shown beside the search result; the API refuses the same.
 */
export function pickProblem(kind: 'seals' | 'unseals', member: FoundMember): string | null {
  const wanted = kind === 'seals' ? NORMAL : SEALED
  if (member.status === wanted) return null
  const state = member.status_name ? String(member.status_name) : '非正常'
  return kind === 'seals' ? `账户状态为${state}，不能封存` : `账户状态为${state}，仅封存账户可以启封`
}

export interface Candidate { account_no: string; label: string }

/**
 * The accounts a CHOICE_REQUIRED refusal offers. Its account_no details carry them either as
 * their own value or in the message ("该职工有多个封存账户（A、B），请选择…"): every long run of
 * digits there is one. Any other error offers none.
 */
export function choiceCandidates(error: unknown): Candidate[] {
  if (!(error instanceof ApiError) || error.code !== 'CHOICE_REQUIRED') return []
  const found: string[] = []
  for (const detail of error.details) {
    if (detail.field && detail.field !== 'account_no') continue
    const own = [detail.value, detail.account_no].filter((v): v is string => typeof v === 'string' && v !== '')
    const listed = own.length ? own : String(detail.message ?? '').match(/\d{8,}/g) ?? []
    for (const accountNo of listed) if (!found.includes(accountNo)) found.push(accountNo)
  }
  return found.map((accountNo) => ({ account_no: accountNo, label: accountNo }))
}

/** The centre's reasons from GET …/reasons (`{reasons: [...]}`), blanks left out. */
export function reasonList(answer: { reasons?: string[] } | null | undefined): string[] {
  return (answer?.reasons ?? []).filter((r) => typeof r === 'string' && r.trim() !== '')
}

/** The transfer page's form prefilled from its address (?name=&id_number=, from the merge page). */
export function transferPrefill(query: Record<string, unknown>): { name: string; id_number: string } {
  const first = (value: unknown) => String((Array.isArray(value) ? value[0] : value) ?? '').trim()
  return { name: first(query.name), id_number: first(query.id_number) }
}

/** A merge is two different accounts; the rest (same person, states, balances) is the API's. */
export function mergeProblem(fromAccount: string, toAccount: string): string | null {
  if (!fromAccount) return '请选择转出账户'
  if (!toAccount) return '请选择转入账户'
  if (fromAccount === toAccount) return '转出账户与转入账户不能相同'
  return null
}
