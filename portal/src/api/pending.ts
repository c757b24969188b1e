// Schemas of routes the gateway is adding (member status changes, issue 11) written from their
// contract under the names the document will give them, until `make openapi` puts them in
// schema.d.ts. client.ts lets the generated schema of
// the same name win, so each entry here stops counting once the document has it: delete it then.

type Money = string

export interface PendingSchemas {
  Reasons: {
    reasons?: string[]
  }
  SealDraftIn: {
    account_no?: string
    id_number?: string
    name?: string
    reason: string
  }
  UnsealDraftIn: PendingSchemas['SealDraftIn'] & { base: Money }
  TransferDraftIn: {
    name: string
    id_number: string
    reason: string
    account_no?: string
  }
  ChangeDraftOut: {
    id?: number
    row_no?: number | null
    account_no?: string
    name?: string
    id_number?: string
    reason?: string
    base?: Money | null
    from_unit?: string | null
  }
  ChangeDraftPage: {
    items?: PendingSchemas['ChangeDraftOut'][]
    page?: number
    page_size?: number
    total?: number
  }
  StatusChangeOut: {
    record_id?: number
    batch_id?: string
    kind?: string
    kind_name?: unknown
    account_no?: string
    name?: string
    id_number?: string
    reason?: string
    old_status?: string
    old_status_name?: unknown
    new_status?: string
    new_status_name?: unknown
    base?: Money | null
    from_unit?: string | null
    to_unit?: string | null
    amount?: Money | null
    changed_on?: string
    clerk_name?: string
    changed_at?: string
  }
  SealedAccount: {
    account_no?: string
    status_name?: unknown
    opened_on?: string
  }
  MergeIn: {
    from_account: string
    to_account: string
  }
  MergeOut: {
    merge_no?: string
    from_account?: string
    to_account?: string
    name?: string
    id_number?: string
    amount?: Money
    merged_on?: string
    clerk_name?: string
    merged_at?: string
  }
}
