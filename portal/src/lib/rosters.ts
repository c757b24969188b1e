// The batch kinds the roster component serves. A new kind (封存, 转入, 补缴 ...) is one more entry.
import { openings, supplementaries, type Schemas, type SupplementaryDraft, type SupplementarySubmitted } from '../api'
import { formatMoney } from './format'
import { seals, transfers, unseals, type StatusDraft } from '../api/status'
import { idNumberProblem, mobileProblem, phoneProblem } from './validate'

export interface RosterColumn {
  prop: string
  label: string
  required?: boolean
  money?: boolean
  /** a month YYYYMM: picked with a month picker, shown as 2026年09月 */
  month?: boolean
  maxlength?: number
  width?: number
  placeholder?: string
  check?: (value: string) => string | null
}

export interface RosterKind<Row, Submitted extends { task_id?: string } = Schemas['TaskId']> {
  addTitle: string
  rosterName: string
  /** The add form's fields; a kind whose rows are found rather than typed brings its own form (slot). */
  columns: RosterColumn[]
  /** The roster table's columns when they are not the form's. */
  rowColumns?: RosterColumn[]
  /** A page of rows, the count and, for money rosters, the whole roster's total (合计). */
  list: (page: number, pageSize: number) => Promise<{ items: Row[]; total: number; amount?: string }>
  add?: (row: Record<string, string>) => Promise<unknown>
  /** Rows that can be corrected in place (修改); without it a wrong row is deleted and added again. */
  update?: (id: number, row: Record<string, string>) => Promise<unknown>
  remove: (id: number) => Promise<unknown>
  clear: () => Promise<unknown>
  importFile: (file: File) => Promise<Schemas['ImportResult']>
  template: () => Promise<unknown>
  /** The chosen rows' ids, or none for all of them. */
  submit: (ids?: number[]) => Promise<Submitted>
  /** What the submit's confirmation adds (what the submit makes of the roster). */
  submitNote?: (count: number, amount?: string) => string
  /** Rows can be ticked and submitted on their own (提交所选) as well as all at once. */
  selectable?: boolean
  queryPath?: string
  queryTitle?: string
}

export const openingRoster: RosterKind<Schemas['DraftOut']> = {
  addTitle: '添加开户人员',
  rosterName: '待开户清册',
  columns: [
    { prop: 'name', label: '个人姓名', required: true, maxlength: 50 },
    { prop: 'id_number', label: '证件号码', required: true, maxlength: 18, width: 170, check: idNumberProblem },
    { prop: 'base', label: '缴存基数', required: true, money: true, placeholder: '元' },
    { prop: 'mobile', label: '手机号码', required: true, maxlength: 11, check: mobileProblem },
    { prop: 'phone', label: '固定电话', maxlength: 20, check: phoneProblem },
    { prop: 'household', label: '户籍', maxlength: 100 },
    { prop: 'address', label: '家庭住址', maxlength: 200, width: 180 },
  ],
  list: async (page, pageSize) => {
    const data = await openings.drafts(page, pageSize)
    return { items: data.items ?? [], total: data.total ?? 0 }
  },
  add: (row) => openings.add(row as Schemas['DraftIn']),
  update: (id, row) => openings.update(id, row as Schemas['DraftIn']),
  remove: (id) => openings.remove(id),
  clear: () => openings.clear(),
  importFile: (file) => openings.importFile(file),
  template: () => openings.template(),
  submit: () => openings.submit(),
  queryPath: '/openings/query',
  queryTitle: '开户查询',
}

/** The API calls every status roster (封存, 启封, 转入) shares: same paths under its own kind. */
function statusCalls(api: typeof seals | typeof unseals | typeof transfers):
  Pick<RosterKind<StatusDraft>, 'list' | 'remove' | 'clear' | 'importFile' | 'template' | 'submit'> {
  return {
    list: async (page, pageSize) => {
      const data = await api.drafts(page, pageSize)
      return { items: data.items ?? [], total: data.total ?? 0 }
    },
    remove: (id) => api.remove(id),
    clear: () => api.clear(),
    importFile: (file) => api.importFile(file),
    template: () => api.template(),
    submit: (ids) => api.submit(ids),
  }
}

const memberColumns: RosterColumn[] = [
  { prop: 'account_no', label: '个人账号', width: 150 },
  { prop: 'name', label: '姓名', width: 100 },
  { prop: 'id_number', label: '证件号码', width: 170 },
]

export const sealRoster: RosterKind<StatusDraft> = {
  addTitle: '添加封存人员',
  rosterName: '待封存清册',
  columns: [],
  rowColumns: [...memberColumns, { prop: 'reason', label: '封存原因', width: 140 }],
  ...statusCalls(seals),
  selectable: true,
  queryPath: '/seals/query',
  queryTitle: '封存启封查询',
}

export const unsealRoster: RosterKind<StatusDraft> = {
  addTitle: '添加启封人员',
  rosterName: '待启封清册',
  columns: [],
  rowColumns: [...memberColumns, { prop: 'reason', label: '启封原因', width: 140 },
    { prop: 'base', label: '缴存基数', money: true }],
  ...statusCalls(unseals),
  selectable: true,
  queryPath: '/seals/query',
  queryTitle: '封存启封查询',
}

export const transferRoster: RosterKind<StatusDraft> = {
  addTitle: '添加转入人员',
  rosterName: '待转入清册',
  columns: [],
  rowColumns: [...memberColumns, { prop: 'from_unit', label: '转出单位', width: 180 }, { prop: 'reason', label: '转入原因', width: 140 }],
  ...statusCalls(transfers),
  selectable: true,
  queryPath: '/transfers/query',
  queryTitle: '转入查询',
}

export const supplementaryRoster: RosterKind<SupplementaryDraft, SupplementarySubmitted> = {
  addTitle: '添加补缴人员',
  rosterName: '待补缴清册',
  // the fields a row is corrected by (修改); the member stays, a wrong member is deleted
  columns: [
    { prop: 'month', label: '补缴月份', required: true, month: true },
    { prop: 'amount', label: '补缴金额', required: true, money: true, placeholder: '元' },
    { prop: 'reason', label: '补缴原因', required: true, maxlength: 50 },
  ],
  rowColumns: [
    { prop: 'account_no', label: '个人账号', width: 150 },
    { prop: 'name', label: '姓名', width: 100 },
    { prop: 'month', label: '补缴月份', month: true, width: 110 },
    { prop: 'amount', label: '补缴金额', money: true },
    { prop: 'employer_part', label: '单位部分', money: true },
    { prop: 'employee_part', label: '个人部分', money: true },
    { prop: 'reason', label: '补缴原因', width: 140 },
  ],
  list: async (page, pageSize) => {
    const data = await supplementaries.drafts(page, pageSize)
    return { items: data.items ?? [], total: data.total ?? 0, amount: data.amount ?? '0.00' }
  },
  update: (id, row) => supplementaries.update(id, { month: row.month, amount: row.amount, reason: row.reason }),
  remove: (id) => supplementaries.remove(id),
  clear: () => supplementaries.clear(),
  importFile: (file) => supplementaries.importFile(file),
  template: () => supplementaries.template(),
  submit: () => supplementaries.submit(),
  submitNote: (_count, amount) =>
    `提交后生成一笔补缴核定${amount ? `（合计 ${formatMoney(amount)} 元）` : ''}，按核定号向中心缴款后入账。`,
  queryPath: '/supplementaries/query',
  queryTitle: '补缴查询',
}
