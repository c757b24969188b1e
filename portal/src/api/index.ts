// Every call the portal makes, typed by the OpenAPI document.
import { request, download, type Schemas } from './client'
import type { paths } from './schema'

export type { Schemas }
type Range = { start?: string; end?: string }

export const auth = {
  captcha: () => request<Schemas['CaptchaOut']>('GET', '/api/v1/auth/captcha'),
  login: (body: Schemas['Login']) => request<Schemas['SessionOut']>('POST', '/api/v1/auth/login', { body }),
  smsCode: (body: Schemas['Identity']) => request<Schemas['SmsCodeSent']>('POST', '/api/v1/auth/sms-code', { body }),
  resetPassword: (body: Schemas['PasswordReset']) => request<void>('POST', '/api/v1/auth/password-reset', { body }),
  changePassword: (body: Schemas['ChangePassword']) => request<void>('POST', '/api/v1/auth/password', { body }),
  logout: () => request<void>('POST', '/api/v1/auth/logout'),
}

export const employer = {
  get: () => request<Schemas['EmployerOut']>('GET', '/api/v1/employer'),
  update: (body: Schemas['ChangeEmployer']) => request<Schemas['ChangeOut']>('PATCH', '/api/v1/employer', { body }),
  changes: (range: Range) => request<Schemas['ChangeOut'][]>('GET', '/api/v1/employer/changes', { query: range }),
  changeVoucher: (id: number) => download(`/api/v1/employer/changes/${id}/voucher.pdf`, `单位信息变更凭证${id}.pdf`),
}

export const home = {
  shortcuts: () => request<Schemas['ShortcutsOut']>('GET', '/api/v1/home/shortcuts'),
  setShortcuts: (function_ids: string[]) => request<Schemas['ShortcutsOut']>('PUT', '/api/v1/home/shortcuts', { body: { function_ids } }),
  stats: () => request<Schemas['HomeStats']>('GET', '/api/v1/home/stats'),
  messages: (query: { kind?: string; unread?: boolean; limit?: number; offset?: number } = {}) =>
    request<Schemas['MessagesOut']>('GET', '/api/v1/messages', { query }),
  markRead: (body: Schemas['MarkRead']) => request<unknown>('POST', '/api/v1/messages/read', { body }),
}

export type VoucherCheck = { kind: string; number: string; unit_account: string; code: string; facts?: string; facts_code?: string }

export const vouchers = {
  verify: (query: VoucherCheck) => request<Schemas['VoucherCheckOut']>('GET', '/api/v1/vouchers/verify', { query }),
}

export const consultations = {
  submit: (body: Schemas['ConsultationIn']) => request<Schemas['ConsultationOut']>('POST', '/api/v1/consultations', { body }),
  list: (status?: string) => request<Schemas['ConsultationOut'][]>('GET', '/api/v1/consultations', { query: { status } }),
}

export const openings = {
  template: () => download('/api/v1/openings/template.xlsx', '批量开户模板.xlsx'),
  drafts: (page = 1, page_size = 50) => request<Schemas['DraftPage']>('GET', '/api/v1/openings/drafts', { query: { page, page_size } }),
  add: (body: Schemas['DraftIn']) => request<Schemas['DraftOut']>('POST', '/api/v1/openings/drafts', { body }),
  update: (id: number, body: Schemas['DraftIn']) => request<Schemas['DraftOut']>('PATCH', `/api/v1/openings/drafts/${id}`, { body }),
  remove: (id: number) => request<void>('DELETE', `/api/v1/openings/drafts/${id}`),
  clear: () => request<Schemas['Deleted']>('DELETE', '/api/v1/openings/drafts'),
  importFile: (file: File) => {
    const form = new FormData()
    form.append('file', file)
    return request<Schemas['ImportResult']>('POST', '/api/v1/openings/drafts/import', { form })
  },
  submit: () => request<Schemas['TaskId']>('POST', '/api/v1/openings/submit'),
  list: (range: Range) => request<Schemas['BatchOut'][]>('GET', '/api/v1/openings', { query: range }),
  voucher: (batchId: string) => download(`/api/v1/openings/${encodeURIComponent(batchId)}/voucher.pdf`, `开户清册${batchId}.pdf`),
}

export const members = {
  find: (query: { name?: string; id_number?: string; account_no?: string }) =>
    request<Schemas['MemberOut'][]>('GET', '/api/v1/members', { query }),
  get: (accountNo: string) => request<Schemas['MemberOut']>('GET', `/api/v1/members/${encodeURIComponent(accountNo)}`),
  certificate: (accountNo: string) =>
    download(`/api/v1/members/${encodeURIComponent(accountNo)}/certificate.pdf`, `缴存证明_${accountNo}.pdf`),
  change: (accountNo: string, body: Schemas['MemberChangeIn']) =>
    request<Schemas['MemberChangeOut']>('PATCH', `/api/v1/members/${encodeURIComponent(accountNo)}`, { body }),
  changes: (range: Range) => request<Schemas['MemberChangeOut'][]>('GET', '/api/v1/members/changes', { query: range }),
  changeVoucher: (id: string) => download(`/api/v1/members/changes/${encodeURIComponent(id)}/voucher.pdf`, `个人信息修改凭证${id}.pdf`),
}

export type StatementQuery = { year: number; name?: string; id_number?: string }

export const statements = {
  list: (query: StatementQuery) => request<Schemas['StatementLine'][]>('GET', '/api/v1/statements', { query }),
  export: (year: number) => download(`/api/v1/statements/${year}/export.xlsx`, `${year}年度个人对账.xlsx`),
}

export type TaskQuery = Range & { kind?: string; status?: string; needs_review?: boolean; page?: number; page_size?: number }

export const tasks = {
  list: (query: TaskQuery) => request<Schemas['TaskPage']>('GET', '/api/v1/tasks', { query }),
  kinds: () => request<Schemas['Kind'][]>('GET', '/api/v1/tasks/kinds'),
  results: (query: TaskQuery) => request<Schemas['TaskPage']>('GET', '/api/v1/results', { query }),
  get: (id: string) => request<Schemas['TaskOut']>('GET', `/api/v1/tasks/${encodeURIComponent(id)}`),
  errorFile: (id: string) => download(`/api/v1/tasks/${encodeURIComponent(id)}/errors.xlsx`, `报错文件${id}.xlsx`),
}

export const remittances = {
  save: (month: string) => request<Schemas['VerificationOut']>('POST', '/api/v1/remittances', { body: { month } }),
  list: (range: Range) => request<Schemas['VerificationOut'][]>('GET', '/api/v1/remittances', { query: range }),
  get: (no: string) => request<Schemas['VerificationOut']>('GET', `/api/v1/remittances/${encodeURIComponent(no)}`),
  discard: (no: string) => request<Schemas['VerificationOut']>('DELETE', `/api/v1/remittances/${encodeURIComponent(no)}`),
  submit: (no: string) => request<Schemas['Submitted']>('POST', `/api/v1/remittances/${encodeURIComponent(no)}/submit`),
  roster: (no: string) => download(`/api/v1/remittances/${encodeURIComponent(no)}/roster.xlsx`, `汇缴清册${no}.xlsx`),
  voucher: (no: string) => download(`/api/v1/remittances/${encodeURIComponent(no)}/voucher.pdf`, `汇缴书${no}.pdf`),
}

export type SupplementaryDraft = Schemas['SupplementaryDraftOut']
/** The submit's answer, by its route: the document names its schema after another of that shape. */
export type SupplementarySubmitted = paths['/api/v1/supplementaries/submit']['post']['responses'][202]['content']['application/json']

export const supplementaries = {
  template: () => download('/api/v1/supplementaries/template.xlsx', '批量补缴模板.xlsx'),
  drafts: (page = 1, page_size = 50) =>
    request<Schemas['SupplementaryPage']>('GET', '/api/v1/supplementaries/drafts', { query: { page, page_size } }),
  add: (body: Schemas['SupplementaryDraftIn']) => request<SupplementaryDraft>('POST', '/api/v1/supplementaries/drafts', { body }),
  update: (id: number, body: Schemas['SupplementaryDraftChange']) =>
    request<SupplementaryDraft>('PATCH', `/api/v1/supplementaries/drafts/${id}`, { body }),
  remove: (id: number) => request<void>('DELETE', `/api/v1/supplementaries/drafts/${id}`),
  clear: () => request<Schemas['Deleted']>('DELETE', '/api/v1/supplementaries/drafts'),
  importFile: (file: File) => {
    const form = new FormData()
    form.append('file', file)
    return request<Schemas['ImportResult']>('POST', '/api/v1/supplementaries/drafts/import', { form })
  },
  /** The whole roster becomes one 补缴 verification, awaiting payment by its number. */
  submit: () => request<SupplementarySubmitted>('POST', '/api/v1/supplementaries/submit'),
  /** F13.3: the 补缴 verifications saved in a date range (the shape of 汇缴查询's). */
  list: (range: Range) => request<Schemas['VerificationOut'][]>('GET', '/api/v1/supplementaries', { query: range }),
  roster: (no: string) => download(`/api/v1/supplementaries/${encodeURIComponent(no)}/roster.xlsx`, `补缴清册${no}.xlsx`),
  voucher: (no: string) => download(`/api/v1/supplementaries/${encodeURIComponent(no)}/voucher.pdf`, `补缴书${no}.pdf`),
}

export const payments = {
  list: (kind: 'remittance' | 'supplementary') => request<Schemas['VerificationOut'][]>('GET', '/api/v1/payments', { query: { kind } }),
  cancel: (no: string) => request<Schemas['VerificationOut']>('POST', `/api/v1/payments/${encodeURIComponent(no)}/cancel`),
  /** A verification's roster or voucher by the address it comes with (汇缴 or 补缴 alike). */
  file: (path: string, name: string) => download(path, name),
}

export const ledgers = {
  employer: (query: Range & { type?: string }) => request<Schemas['LedgerEntryOut'][]>('GET', '/api/v1/employer/ledger', { query }),
  suspense: (range: Range) => request<Schemas['SuspenseOut']>('GET', '/api/v1/employer/suspense', { query: range }),
  member: (accountNo: string, range: Range) =>
    request<Schemas['LedgerRow'][]>('GET', `/api/v1/members/${encodeURIComponent(accountNo)}/ledger`, { query: range }),
}
