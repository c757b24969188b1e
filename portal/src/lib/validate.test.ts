import { describe, expect, it } from 'vitest'
import { idNumberProblem, mobileProblem, moneyProblem, postalCodeProblem, rule } from './validate'

describe('field checks', () => {
  it('checks resident IDs like the API does', () => {
    expect(idNumberProblem('11010519491231002X')).toBeNull()
    expect(idNumberProblem('11010519491231002x')).toBeNull()
    expect(idNumberProblem('110105194912310021')).toBe('证件号码校验位错误，请核对')
    expect(idNumberProblem('110105194902300021')).toBe('证件号码中的出生日期无效')
    expect(idNumberProblem('12345')).toBe('证件号码须为18位居民身份证号码')
  })
  it('checks mobiles, postal codes and amounts', () => {
    expect(mobileProblem('13800138000')).toBeNull()
    expect(mobileProblem('12800138000')).toBe('手机号码须为11位有效号码')
    expect(postalCodeProblem('710000')).toBeNull()
    expect(postalCodeProblem('7100')).toBe('邮政编码须为6位数字')
    expect(moneyProblem('5,000.5')).toBeNull()
    expect(moneyProblem('5000.555')).not.toBeNull()
  })
  it('makes form rules that leave empty values to required', () => {
    const check = rule(mobileProblem)
    const seen: (string | undefined)[] = []
    check.validator(null, '', (e) => seen.push(e?.message))
    check.validator(null, '123', (e) => seen.push(e?.message))
    expect(seen).toEqual([undefined, '手机号码须为11位有效号码'])
  })
})
