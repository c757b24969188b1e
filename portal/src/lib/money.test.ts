import { describe, expect, it } from 'vitest'
import { EMPLOYER_LEDGER_TYPES, actionsOf, ledgerTypeQuery, addMonths, changeText, currentMonth, debitCredit, dueMonth, isMonth, monthLabel, statusTag } from './money'

describe('months', () => {
  it('checks the YYYYMM form', () => {
    expect(isMonth('202612')).toBe(true)
    expect(isMonth('202613')).toBe(false)
    expect(isMonth('202600')).toBe(false)
    expect(isMonth('2026-12')).toBe(false)
    expect(isMonth(null)).toBe(false)
  })
  it('adds months across years both ways', () => {
    expect(addMonths('202612', 1)).toBe('202701')
    expect(addMonths('202601', -1)).toBe('202512')
    expect(addMonths('202606', 13)).toBe('202707')
    expect(addMonths('202603', -15)).toBe('202412')
    expect(() => addMonths('2026', 1)).toThrow()
  })
  it('reads the current month in the centre calendar, not UTC', () => {
    // 16:30 UTC on 30 Nov is already 1 Dec in Shanghai
    expect(currentMonth(new Date('2026-11-30T16:30:00Z'))).toBe('202612')
    expect(currentMonth(new Date('2026-11-30T15:59:00Z'))).toBe('202611')
  })
  it('labels a month in Chinese', () => {
    expect(monthLabel('202607')).toBe('2026年07月')
    expect(monthLabel(null)).toBe('')
    expect(monthLabel('bad')).toBe('')
  })
  it('finds the month due: after 缴至月份, else the first month, else the current one', () => {
    expect(dueMonth('202611', '202601', '202612')).toBe('202612')
    expect(dueMonth('202612', '202601', '202612')).toBe('202701')
    expect(dueMonth(null, '202609', '202612')).toBe('202609')
    expect(dueMonth(null, null, '202612')).toBe('202612')
    expect(dueMonth('', 'x', '202612')).toBe('202612')
  })
})

describe('verification states', () => {
  it('colours each state', () => {
    expect(statusTag('posted')).toBe('success')
    expect(statusTag('awaiting')).toBe('warning')
    expect(statusTag('saved')).toBe('primary')
    expect(statusTag('cancelled')).toBe('info')
    expect(statusTag('unknown')).toBe('info')
  })
  it('allows discard and submit only when saved, cancel only when awaiting payment', () => {
    expect(actionsOf('saved')).toEqual({ discard: true, submit: true, cancel: false })
    expect(actionsOf('awaiting')).toEqual({ discard: false, submit: false, cancel: true })
    for (const s of ['posting', 'posted', 'discarded', 'cancelled'])
      expect(actionsOf(s)).toEqual({ discard: false, submit: false, cancel: false })
  })
})

describe('change against the last posted month', () => {
  it('says first remittance when nothing was posted', () => {
    expect(changeText({ previous_month: null, added: 3, removed: 0, amount_up: '3600.00', amount_down: '0.00' }))
      .toBe('首次汇缴：增加3人，金额增加3,600.00元')
  })
  it('names the month, people in and out and the amount down', () => {
    expect(changeText({ previous_month: '202611', added: 1, removed: 2, amount_up: '0.00', amount_down: '1200.00' }))
      .toBe('较2026年11月：增加1人，减少2人，金额减少1,200.00元')
  })
  it('says nothing changed', () => {
    expect(changeText({ previous_month: '202611', added: 0, removed: 0, amount_up: '0.00', amount_down: '0.00' }))
      .toBe('较2026年11月：人数无变化，金额无变化')
    expect(changeText(null)).toBe('')
  })
})

describe('ledger amounts', () => {
  it('puts money in as 贷方 and money out as 借方, unsigned', () => {
    expect(debitCredit('3600.00')).toEqual({ debit: '', credit: '3,600.00' })
    expect(debitCredit('-3600.00')).toEqual({ debit: '3,600.00', credit: '' })
    expect(debitCredit(null)).toEqual({ debit: '', credit: '' })
  })
})

describe('employer ledger types', () => {
  it('queries every type by default and one type when chosen', () => {
    expect(EMPLOYER_LEDGER_TYPES[0]).toEqual(['all', '全部'])
    expect(ledgerTypeQuery('all')).toEqual({})
    expect(ledgerTypeQuery('')).toEqual({})
    expect(ledgerTypeQuery('01')).toEqual({ type: '01' })
  })
})
