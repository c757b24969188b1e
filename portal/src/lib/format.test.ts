import { describe, expect, it } from 'vitest'
import { addDays, formatClock, formatDateTime, formatMoney, formatRate, parseMoney, rangeQuery, recentRange, todayInCentre, endedHpfYears } from './format'

describe('money', () => {
  it('shows 元 with thousands separators and two decimals', () => {
    expect(formatMoney('1234567.5')).toBe('1,234,567.50')
    expect(formatMoney('5000')).toBe('5,000.00')
    expect(formatMoney('0.00')).toBe('0.00')
    expect(formatMoney('999.99')).toBe('999.99')
    expect(formatMoney('-27000.1')).toBe('-27,000.10')
    expect(formatMoney(2160)).toBe('2,160.00')
  })
  it('rounds half up on the digits, never through a float', () => {
    expect(formatMoney('0.005')).toBe('0.01')
    expect(formatMoney('1.004')).toBe('1.00')
    expect(formatMoney('99999999999999999.995')).toBe('100,000,000,000,000,000.00')
    expect(formatMoney('-0.001')).toBe('0.00')
  })
  it('leaves what is not an amount as it is, and empty as empty', () => {
    expect(formatMoney(null)).toBe('')
    expect(formatMoney('')).toBe('')
    expect(formatMoney('约1000')).toBe('约1000')
  })
  it('parses what a clerk types', () => {
    expect(parseMoney('5,000')).toBe('5000.00')
    expect(parseMoney(' 1234.5 ')).toBe('1234.50')
    expect(parseMoney('007')).toBe('7.00')
    expect(parseMoney('12.345')).toBeNull()
    expect(parseMoney('-5')).toBeNull()
    expect(parseMoney('abc')).toBeNull()
  })
  it('shows rates as percents', () => {
    expect(formatRate(0.12)).toBe('12%')
    expect(formatRate('0.05')).toBe('5%')
    expect(formatRate('0.125')).toBe('12.5%')
  })
})

describe("the centre's calendar", () => {
  it('shows UTC times in Beijing time', () => {
    expect(formatDateTime('2026-12-01T16:30:00+00:00')).toBe('2026-12-02 00:30:00')
    expect(formatDateTime('2026-12-01T01:02:03Z')).toBe('2026-12-01 09:02:03')
    expect(formatClock('2026-12-01T07:45:00+00:00')).toBe('15:45')
    expect(formatDateTime(null)).toBe('')
    expect(formatDateTime('not a time')).toBe('not a time')
  })
  it("takes today from the centre's calendar, not the browser's", () => {
    expect(todayInCentre(new Date('2026-12-01T16:30:00Z'))).toBe('2026-12-02')
    expect(todayInCentre(new Date('2026-12-01T15:59:59Z'))).toBe('2026-12-01')
  })
  it('moves calendar dates across months and leap days', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29')
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
  })
  it('makes default ranges and queries', () => {
    expect(recentRange(30, new Date('2026-12-01T16:30:00Z'))).toEqual(['2026-11-03', '2026-12-02'])
    expect(rangeQuery(['2026-01-01', '2026-01-31'])).toEqual({ start: '2026-01-01', end: '2026-01-31' })
    expect(rangeQuery(null)).toEqual({})
  })
})

describe('endedHpfYears', () => {
  it('gives the years whose 30 June has passed, newest first', () => {
    expect(endedHpfYears('2026-12-02', 3)).toEqual([2025, 2024, 2023])
    expect(endedHpfYears('2026-06-30', 2)).toEqual([2024, 2023])
    expect(endedHpfYears('2026-07-01', 1)).toEqual([2025])
  })
})
