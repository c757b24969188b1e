import { describe, expect, it } from 'vitest'
import { amountProblem, hpfYearFirstMonth, monthOfPickerDate, monthOffered, supplementaryDraftBody, supplementaryMonths } from './supplementary'

describe('supplementary months', () => {
  it('starts the HPF year in July', () => {
    expect(hpfYearFirstMonth('202612')).toBe('202607')
    expect(hpfYearFirstMonth('202607')).toBe('202607')
    expect(hpfYearFirstMonth('202706')).toBe('202607')
    expect(hpfYearFirstMonth('202701')).toBe('202607')
  })
  it('offers the current HPF year up to 缴至月份', () => {
    expect(supplementaryMonths('202610', '202612')).toEqual({ first: '202607', last: '202610' })
    expect(supplementaryMonths('202612', '202612')).toEqual({ first: '202607', last: '202612' })
    expect(supplementaryMonths('202702', '202703')).toEqual({ first: '202607', last: '202702' })
  })
  it('never offers a month after the current one, even when paid ahead', () => {
    expect(supplementaryMonths('202702', '202612')).toEqual({ first: '202607', last: '202612' })
  })
  it('offers nothing before a first remittance or when 缴至月份 is in an earlier HPF year', () => {
    expect(supplementaryMonths(null, '202612')).toBeNull()
    expect(supplementaryMonths('', '202612')).toBeNull()
    expect(supplementaryMonths('202606', '202612')).toBeNull()
    expect(supplementaryMonths('202606', '202607')).toBeNull()
  })
  it('reads a picker date as its month and decides which months are offered', () => {
    expect(monthOfPickerDate(new Date(2026, 8, 1))).toBe('202609')
    expect(monthOfPickerDate(new Date(2026, 11, 1))).toBe('202612')
    const range = { first: '202607', last: '202610' }
    expect(monthOffered('202607', range, true)).toBe(true)
    expect(monthOffered('202610', range, true)).toBe(true)
    expect(monthOffered('202606', range, true)).toBe(false)
    expect(monthOffered('202611', range, true)).toBe(false)
    expect(monthOffered('202609', null, true)).toBe(false)
    expect(monthOffered('202001', null, false)).toBe(true)  // 缴至月份 unknown: the API decides
  })
})

describe('supplementary row', () => {
  const member = { account_no: '330100000001' }
  const form = { month: '202609', amount: '1,200.5', reason: ' 漏缴 ' }
  it('is sent by the picked account with the amount on its digits', () => {
    expect(supplementaryDraftBody(member, form)).toEqual({ account_no: '330100000001', month: '202609', amount: '1200.50', reason: '漏缴' })
  })
  it('says in Chinese what is missing or wrong', () => {
    expect(() => supplementaryDraftBody(null, form)).toThrow('请先查询并选择职工')
    expect(() => supplementaryDraftBody(member, { ...form, month: '' })).toThrow('请选择补缴月份')
    expect(() => supplementaryDraftBody(member, { ...form, month: '202613' })).toThrow('补缴月份格式应为YYYYMM')
    expect(() => supplementaryDraftBody(member, { ...form, amount: '12.345' })).toThrow('补缴金额须为金额（元），最多两位小数')
    expect(() => supplementaryDraftBody(member, { ...form, amount: '-5' })).toThrow('补缴金额须为金额')
    expect(() => supplementaryDraftBody(member, { ...form, amount: '0.00' })).toThrow('补缴金额须大于0')
    expect(() => supplementaryDraftBody(member, { ...form, reason: '  ' })).toThrow('请填写补缴原因')
  })
  it('checks an amount alone', () => {
    expect(amountProblem('300')).toEqual({ value: '300.00' })
    expect(amountProblem('0')).toEqual({ problem: '补缴金额须大于0' })
    expect(amountProblem('abc').problem).toBe('补缴金额须为金额（元），最多两位小数')
  })
})
