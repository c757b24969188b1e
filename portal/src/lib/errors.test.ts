import { describe, expect, it } from 'vitest'
import { ApiError, NETWORK_MESSAGE, errorFromBody, errorFromResponse, errorText, fieldErrors, lockedUntil } from './errors'

describe('API errors', () => {
  it('shows the Chinese message of a business error', () => {
    const error = errorFromBody(400, { error: { code: 'COUNTER_ONLY', message: '须至中心柜台办理', details: [] } })
    expect(error.code).toBe('COUNTER_ONLY')
    expect(errorText(error)).toBe('须至中心柜台办理')
  })
  it('adds the request id of a server error', () => {
    const error = errorFromBody(500, { error: { code: 'INTERNAL_ERROR', message: '系统内部错误，请稍后再试', request_id: 'abc123' } })
    expect(errorText(error)).toBe('系统内部错误，请稍后再试（请求编号：abc123）')
  })
  it('takes the request id from the header when the body has none, and survives a body that is not JSON', async () => {
    const response = new Response('<html>bad gateway</html>', { status: 502, headers: { 'X-Request-Id': 'rid-9' } })
    const error = await errorFromResponse(response)
    expect(error.status).toBe(502)
    expect(errorText(error)).toBe('系统内部错误，请稍后再试（请求编号：rid-9）')
  })
  it('does not show a request id for a clerk mistake', () => {
    const error = new ApiError(400, 'BAD', '证件号码格式不正确', [], 'rid')
    expect(errorText(error)).toBe('证件号码格式不正确')
  })
  it('lists field details the message does not already say', () => {
    const error = errorFromBody(400, { error: { code: 'VALIDATION', message: '输入有误', details: [
      { field: 'mobile', message: '手机号码应为11位' }, { field: 'base', message: '缴存基数不能低于下限' }] } })
    expect(errorText(error)).toBe('输入有误：手机号码应为11位；缴存基数不能低于下限')
    expect(fieldErrors(error)).toEqual({ mobile: '手机号码应为11位', base: '缴存基数不能低于下限' })
  })
  it('reads the end of a lockout', () => {
    const error = errorFromBody(423, { error: { code: 'ACCOUNT_LOCKED', message: '账户已锁定，请于15:45后再试',
      details: [{ field: 'locked_until', message: '2026-12-01T07:45:00+00:00' }] } })
    expect(lockedUntil(error)).toBe('2026-12-01T07:45:00+00:00')
    expect(errorText(error)).toBe('账户已锁定，请于15:45后再试')
    expect(lockedUntil(new ApiError(401, 'LOGIN_FAILED', 'x'))).toBeNull()
  })
  it('says the network failed when fetch itself fails', () => {
    expect(errorText(new TypeError('Failed to fetch'))).toBe(NETWORK_MESSAGE)
  })
})
