// Schemas of the 补缴 routes (F13.1-F13.3) the gateway is adding, written from their contract until
// `make openapi` puts them in schema.d.ts. Delete this file then and name the generated schemas.

type Money = string

export interface SupplementaryDraftIn {
  account_no: string
  month: string
  amount: Money
  reason: string
}

export type SupplementaryDraftPatch = Partial<Omit<SupplementaryDraftIn, 'account_no'>>

export interface SupplementaryDraft {
  id?: number
  row_no?: number | null
  account_no?: string
  name?: string
  month?: string
  amount?: Money
  employer_part?: Money
  employee_part?: Money
  reason?: string
}

export interface SupplementaryDraftPage {
  total?: number
  page?: number
  page_size?: number
  /** the roster's total */
  amount?: Money
  items?: SupplementaryDraft[]
}

export interface SupplementarySubmitted {
  task_id?: string
  verification_no?: string
}
