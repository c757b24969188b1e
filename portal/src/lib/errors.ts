// Every API error carries {code, message, details}; a 5xx also a request id the centre can trace.

export interface ErrorDetail { field?: string; message?: string; [key: string]: unknown }

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public details: ErrorDetail[] = [],
    public requestId: string | null = null,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export const NETWORK_MESSAGE = '网络连接失败，请检查网络后重试'

/** The ApiError of a response that is not OK: its JSON error, or a plain one for anything else. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const headerId = response.headers.get('X-Request-Id')
  let body: unknown = null
  try {
    body = await response.json()
  } catch {
    body = null
  }
  return errorFromBody(response.status, body, headerId)
}

export function errorFromBody(status: number, body: unknown, headerId: string | null = null): ApiError {
  const error = (body as { error?: Record<string, unknown> } | null)?.error
  if (error && typeof error.message === 'string') {
    const requestId = (typeof error.request_id === 'string' ? error.request_id : null) ?? headerId
    const details = Array.isArray(error.details) ? (error.details as ErrorDetail[]) : []
    return new ApiError(status, String(error.code ?? 'ERROR'), error.message, details, requestId)
  }
  const message = status >= 500 ? '系统内部错误，请稍后再试' : `请求失败（HTTP ${status}）`
  return new ApiError(status, 'HTTP_' + status, message, [], headerId)
}

/** What a clerk reads: the Chinese message, the request id of a server error, field details. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    let text = error.message
    const fields = error.details
      .filter((d) => d.message && d.field && d.field !== 'locked_until')
      .map((d) => String(d.message))
    if (fields.length && !fields.every((m) => text.includes(m))) text += '：' + fields.join('；')
    if (error.status >= 500 && error.requestId) text += `（请求编号：${error.requestId}）`
    return text
  }
  if (error instanceof TypeError) return NETWORK_MESSAGE
  if (error instanceof Error && error.message) return error.message
  return '操作失败，请稍后再试'
}

/** Field name → message, for showing an API's validation errors under the form's fields. */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (error instanceof ApiError) {
    for (const d of error.details) if (d.field && d.message && !(d.field in out)) out[d.field] = String(d.message)
  }
  return out
}

/** The end of a lockout (ISO time) from an ACCOUNT_LOCKED error, or null. */
export function lockedUntil(error: unknown): string | null {
  if (!(error instanceof ApiError) || error.code !== 'ACCOUNT_LOCKED') return null
  const detail = error.details.find((d) => d.field === 'locked_until')
  return detail?.message ? String(detail.message) : null
}
