// The batch kinds the roster component serves. A new kind (封存, 转入, 补缴 ...) is one more entry.
import { openings, type Schemas } from '../api'
import { idNumberProblem, mobileProblem, phoneProblem } from './validate'

export interface RosterColumn {
  prop: string
  label: string
  required?: boolean
  money?: boolean
  maxlength?: number
  width?: number
  placeholder?: string
  check?: (value: string) => string | null
}

export interface RosterKind<Row> {
  addTitle: string
  rosterName: string
  columns: RosterColumn[]
  list: (page: number, pageSize: number) => Promise<{ items: Row[]; total: number }>
  add: (row: Record<string, string>) => Promise<unknown>
  update: (id: number, row: Record<string, string>) => Promise<unknown>
  remove: (id: number) => Promise<unknown>
  clear: () => Promise<unknown>
  importFile: (file: File) => Promise<Schemas['ImportResult']>
  template: () => Promise<unknown>
  submit: () => Promise<Schemas['TaskId']>
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
