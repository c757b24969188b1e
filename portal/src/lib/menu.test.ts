import { describe, expect, it } from 'vitest'
import { MENU, functionPath, isOpen, leaves, trail, type MenuEntry } from './menu'

describe('menu', () => {
  it("has the manual's top menus in order", () => {
    expect(MENU.map((e) => e.title)).toEqual(['首页', '个人账户管理', '单位账户管理', '变更业务', '缴存业务', '交易查询', '咨询建议'])
  })
  it('opens an entry only when it is enabled with a page', () => {
    for (const leaf of leaves()) expect(isOpen(leaf)).toBe(Boolean(leaf.enabled && leaf.path))
    const deposits = MENU.find((e) => e.key === 'deposits')!
    expect(isOpen(deposits)).toBe(true)
    expect(deposits.children!.map((e) => e.title)).toEqual(['汇缴核定', '补缴核定', '缴存办理'])
    expect(isOpen(deposits.children!.find((e) => e.key === 'supplementary')!)).toBe(true)
    expect(isOpen(MENU.find((e) => e.key === 'changes')!.children!.find((e) => e.key === 'annual')!)).toBe(true)
  })
  it('maps functions to pages; unopened functions have none', () => {
    expect(functionPath('F3.1')).toBe('/openings')
    expect(functionPath('F3.2')).toBe('/openings')
    expect(functionPath('F17.1')).toBe('/consultations')
    expect(functionPath('F12.1')).toBe('/remittances')
    expect(functionPath('F12.2')).toBe('/remittances/query')
    expect(functionPath('F14.1')).toBe('/payments')
    expect(functionPath('F7.2')).toBe('/employer/ledger')
    expect(functionPath('F7.3')).toBe('/employer/suspense')
    expect(functionPath('F4.1')).toBe('/members/ledger')
    expect(functionPath('F8.1')).toBe('/merges')
    expect(functionPath('F8.2')).toBe('/merges/query')
    expect(functionPath('F9.1')).toBe('/seals')
    expect(functionPath('F9.2')).toBe('/seals')
    expect(functionPath('F9.3')).toBe('/unseals')
    expect(functionPath('F9.4')).toBe('/unseals')
    expect(functionPath('F9.5')).toBe('/seals/query')
    expect(functionPath('F10.1')).toBe('/transfers')
    expect(functionPath('F10.3')).toBe('/transfers/query')
    expect(functionPath('F11.1')).toBe('/annual')
    expect(functionPath('F11.2')).toBe('/annual/query')
    expect(functionPath('F13.1')).toBe('/supplementaries')
    expect(functionPath('F13.2')).toBe('/supplementaries')
    expect(functionPath('F13.3')).toBe('/supplementaries/query')
    expect(functionPath('F99.9')).toBeNull()
  })
  it('turns an entry on by its flag', () => {
    const menu: MenuEntry[] = [{ key: 'deposits', title: '缴存业务', children: [
      { key: 'remittance', title: '汇缴核定', functions: ['F12.1'], enabled: false, path: '/remittances' }] }]
    expect(functionPath('F12.1', menu)).toBeNull()
    menu[0].children![0].enabled = true
    expect(functionPath('F12.1', menu)).toBe('/remittances')
    expect(isOpen(menu[0])).toBe(true)
  })
  it('gives every page a breadcrumb and no two pages one path', () => {
    const paths = leaves().filter(isOpen).map((e) => e.path!)
    expect(new Set(paths).size).toBe(paths.length)
    expect(trail('/members')).toEqual(['个人账户管理', '个人账户查询', '个人账户信息查询'])
    expect(trail('/remittances/query')).toEqual(['缴存业务', '汇缴核定', '汇缴查询'])
    expect(trail('/seals/query')).toEqual(['变更业务', '个人账户封存启封', '封存启封查询'])
    expect(trail('/transfers')).toEqual(['变更业务', '内部转移', '个人账户转入'])
    expect(trail('/merges')).toEqual(['个人账户管理', '个人账户合并', '个人账户合并'])
    expect(trail('/supplementaries')).toEqual(['缴存业务', '补缴核定', '补缴核定'])
    expect(trail('/supplementaries/query')).toEqual(['缴存业务', '补缴核定', '补缴查询'])
    expect(trail('/annual')).toEqual(['变更业务', '年度核定', '年度核定'])
    expect(trail('/annual/query')).toEqual(['变更业务', '年度核定', '年度核定查询'])
    expect(trail('/nowhere')).toBeNull()
  })
  it('lists every function of the hall somewhere', () => {
    const ids = leaves().flatMap((e) => e.functions ?? [])
    for (const id of ['F3.1', 'F3.3', 'F4.2', 'F5.1', 'F5.2', 'F6.1', 'F6.2', 'F7.1', 'F8.1', 'F9.1', 'F10.1', 'F11.1', 'F12.1', 'F13.1', 'F14.1', 'F15.1', 'F16.1', 'F17.1'])
      expect(ids).toContain(id)
  })
})
