// The member status changes (封存/启封 F9, 内部转移转入 F10, 个人账户合并 F8), typed by the
// gateway's OpenAPI document like every other call.
import { request, download, type Schemas } from './client'
import { reasonList } from '../lib/status'

type Range = { start?: string; end?: string }

/** The three rosters of one shape; each is its own path under /api/v1. */
export type StatusKind = 'seals' | 'unseals' | 'transfers'

export type StatusDraft = Schemas['ChangeDraftOut']
export type StatusRecord = Schemas['StatusChangeOut']
export type SealedElsewhere = Schemas['SealedAccount']
export type MergeRecord = Schemas['MergeOut']

function statusRoster<DraftIn>(kind: StatusKind, templateName: string) {
  const base = `/api/v1/${kind}`
  return {
    reasons: async () => reasonList(await request<Schemas['Reasons']>('GET', `${base}/reasons`)),
    template: () => download(`${base}/template.xlsx`, templateName),
    drafts: (page = 1, page_size = 50) =>
      request<Schemas['ChangeDraftPage']>('GET', `${base}/drafts`, { query: { page, page_size } }),
    add: (body: DraftIn) => request<StatusDraft>('POST', `${base}/drafts`, { body }),
    remove: (id: number) => request<void>('DELETE', `${base}/drafts/${id}`),
    clear: () => request<Schemas['Deleted']>('DELETE', `${base}/drafts`),
    importFile: (file: File) => {
      const form = new FormData()
      form.append('file', file)
      return request<Schemas['ImportResult']>('POST', `${base}/drafts/import`, { form })
    },
    /** Chosen rows, or every row when `draftIds` is empty. */
    submit: (draftIds: number[] = []) =>
      request<Schemas['TaskId']>('POST', `${base}/submit`, { body: draftIds.length ? { draft_ids: draftIds } : {} }),
  }
}

export const seals = {
  ...statusRoster<Schemas['SealDraftIn']>('seals', '批量封存模板.xlsx'),
  /** F9.5: seals and unseals alike. */
  list: (query: Range & { name?: string; id_number?: string }) =>
    request<StatusRecord[]>('GET', '/api/v1/seals', { query }),
  voucher: (batchId: string) => download(`/api/v1/seals/${encodeURIComponent(batchId)}/voucher.pdf`, `封存启封凭证${batchId}.pdf`),
}

export const unseals = statusRoster<Schemas['UnsealDraftIn']>('unseals', '批量启封模板.xlsx')

export const transfers = {
  ...statusRoster<Schemas['TransferDraftIn']>('transfers', '批量转入模板.xlsx'),
  list: (query: Range & { name?: string; id_number?: string }) =>
    request<StatusRecord[]>('GET', '/api/v1/transfers', { query }),
  voucher: (batchId: string) => download(`/api/v1/transfers/${encodeURIComponent(batchId)}/voucher.pdf`, `内部转移凭证${batchId}.pdf`),
}

export const merges = {
  sealedElsewhere: (accountNo: string) =>
    request<SealedElsewhere[]>('GET', '/api/v1/merges/sealed-elsewhere', { query: { account_no: accountNo } }),
  merge: (body: Schemas['MergeIn']) => request<MergeRecord>('POST', '/api/v1/merges', { body }),
  list: (query: { from_account?: string; to_account?: string }) => request<MergeRecord[]>('GET', '/api/v1/merges', { query }),
  voucher: (mergeNo: string) => download(`/api/v1/merges/${encodeURIComponent(mergeNo)}/voucher.pdf`, `个人账户合并凭证${mergeNo}.pdf`),
}
