import { describe, expect, it } from 'vitest'
import { percentOf, rateFromPercent, ratesBody, unlistedNote, yearLabel } from './annual'

const range = { rate_min: '0.0500', rate_max: '0.1200' }

describe('annual rates', () => {
  it('shows a rate as a percent', () => {
    expect(percentOf('0.1200')).toBe('12')
    expect(percentOf('0.0500')).toBe('5')
    expect(percentOf('0.1250')).toBe('12.5')
    expect(percentOf('0.0575')).toBe('5.75')
    expect(percentOf(null)).toBe('')
    expect(percentOf('abc')).toBe('')
  })
  it('reads a typed percent as the fraction the API takes', () => {
    expect(rateFromPercent('10')).toBe('0.10')
    expect(rateFromPercent(' 5 ')).toBe('0.05')
    expect(rateFromPercent('12.5')).toBe('0.125')
    expect(rateFromPercent('5.75')).toBe('0.0575')
    expect(rateFromPercent('10%')).toBe('0.10')
    expect(rateFromPercent('100')).toBe('1.00')
    expect(rateFromPercent('0.1')).toBe('0.001')
    for (const bad of ['', 'abc', '-5', '12.345', '101', '1e1']) expect(rateFromPercent(bad)).toBeNull()
  })
  it('sends only the rates changed', () => {
    const current = { employer_rate: '0.1200', employee_rate: '0.1200' }
    expect(ratesBody({ employer: '12', employee: '12' }, current, range)).toEqual({ body: {}, problems: {} })
    expect(ratesBody({ employer: '10', employee: '12' }, current, range)).toEqual({ body: { employer_rate: '0.10' }, problems: {} })
    expect(ratesBody({ employer: '8', employee: '7.5' }, current, range).body).toEqual({ employer_rate: '0.08', employee_rate: '0.075' })
  })
  it("refuses a rate outside the year's range or not a percent, by field", () => {
    const current = { employer_rate: '0.1200', employee_rate: '0.1200' }
    const { body, problems } = ratesBody({ employer: '13', employee: 'x' }, current, range)
    expect(body).toEqual({})
    expect(problems.employer_rate).toBe('单位缴存比例须在5%至12%之间')
    expect(problems.employee_rate).toBe('个人缴存比例须为百分数，最多两位小数')
    expect(ratesBody({ employer: '', employee: '5' }, current, range).problems).toEqual({ employer_rate: '请填写单位缴存比例' })
    expect(ratesBody({ employer: '4', employee: '5' }, current, { rate_min: null, rate_max: null }).body).toEqual(
      { employer_rate: '0.04', employee_rate: '0.05' })  // no range known: the API decides
  })
})

describe('annual texts', () => {
  it('says what becomes of members left out', () => {
    expect(unlistedNote(true)).toBe('未列入的职工保留原缴存基数')
    expect(unlistedNote(false)).toBe('须列入全部职工')
  })
  it('names the HPF year', () => {
    expect(yearLabel(2026)).toBe('2026年度（2026年7月至2027年6月）')
    expect(yearLabel(null)).toBe('')
  })
})
