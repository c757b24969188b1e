// The hall's menus, as in the manual. One list: an entry is turned on by `enabled: true` plus its
// route (see router.ts); entries not yet open show 暂未开通.

export interface MenuEntry {
  key: string
  title: string
  path?: string          // the page (enabled leaves)
  functions?: string[]   // the function ids of the manual this page serves (常用功能)
  enabled?: boolean
  icon?: string
  children?: MenuEntry[]
}

export const MENU: MenuEntry[] = [
  { key: 'home', title: '首页', path: '/home', enabled: true, icon: 'HomeFilled' },
  {
    key: 'members', title: '个人账户管理', icon: 'User', children: [
      { key: 'opening', title: '个人开户', children: [
        { key: 'opening-roster', title: '个人开户', path: '/openings', functions: ['F3.1', 'F3.2'], enabled: true },
        { key: 'opening-query', title: '开户查询', path: '/openings/query', functions: ['F3.3'], enabled: true },
      ] },
      { key: 'member-query', title: '个人账户查询', children: [
        { key: 'member-info', title: '个人账户信息查询', path: '/members', functions: ['F4.2'], enabled: true },
        { key: 'member-ledger', title: '个人明细账查询', path: '/members/ledger', functions: ['F4.1'], enabled: true },
        { key: 'member-statement', title: '年度个人对账', path: '/members/statement', functions: ['F4.3'], enabled: true },
      ] },
      { key: 'member-change', title: '个人信息修改', children: [
        { key: 'member-change-form', title: '个人信息修改', path: '/members/change', functions: ['F5.1'], enabled: true },
        { key: 'member-changes', title: '客户信息修改记录查询', path: '/members/changes', functions: ['F5.2'], enabled: true },
      ] },
      { key: 'member-merge', title: '个人账户合并', children: [
        { key: 'merge-form', title: '个人账户合并', path: '/merges', functions: ['F8.1'], enabled: true },
        { key: 'merge-query', title: '合并查询', path: '/merges/query', functions: ['F8.2'], enabled: true },
      ] },
    ],
  },
  {
    key: 'employer', title: '单位账户管理', icon: 'OfficeBuilding', children: [
      { key: 'employer-change', title: '单位信息修改', children: [
        { key: 'employer-change-form', title: '单位信息修改', path: '/employer/change', functions: ['F6.1'], enabled: true },
        { key: 'employer-changes', title: '单位信息修改查询', path: '/employer/changes', functions: ['F6.2'], enabled: true },
      ] },
      { key: 'employer-query', title: '单位账户查询', children: [
        { key: 'employer-info', title: '单位基本信息查询', path: '/employer', functions: ['F7.1'], enabled: true },
        { key: 'employer-ledger', title: '单位明细查询', path: '/employer/ledger', functions: ['F7.2'], enabled: true },
        { key: 'employer-suspense', title: '汇补缴不符暂存款查询', path: '/employer/suspense', functions: ['F7.3'], enabled: true },
      ] },
    ],
  },
  {
    key: 'changes', title: '变更业务', icon: 'Switch', children: [
      { key: 'seal', title: '个人账户封存启封', children: [
        { key: 'seal-roster', title: '个人账户封存', path: '/seals', functions: ['F9.1', 'F9.2'], enabled: true },
        { key: 'unseal-roster', title: '个人账户启封', path: '/unseals', functions: ['F9.3', 'F9.4'], enabled: true },
        { key: 'seal-query', title: '封存启封查询', path: '/seals/query', functions: ['F9.5'], enabled: true },
      ] },
      { key: 'transfer', title: '内部转移', children: [
        { key: 'transfer-roster', title: '个人账户转入', path: '/transfers', functions: ['F10.1', 'F10.2'], enabled: true },
        { key: 'transfer-query', title: '转入查询', path: '/transfers/query', functions: ['F10.3'], enabled: true },
      ] },
      { key: 'annual', title: '年度核定', children: [
        { key: 'annual-form', title: '年度核定', path: '/annual', functions: ['F11.1'], enabled: true },
        { key: 'annual-query', title: '年度核定查询', path: '/annual/query', functions: ['F11.2'], enabled: true },
      ] },
    ],
  },
  {
    key: 'deposits', title: '缴存业务', icon: 'Money', children: [
      { key: 'remittance', title: '汇缴核定', children: [
        { key: 'remittance-form', title: '汇缴核定', path: '/remittances', functions: ['F12.1'], enabled: true },
        { key: 'remittance-query', title: '汇缴查询', path: '/remittances/query', functions: ['F12.2'], enabled: true },
      ] },
      { key: 'supplementary', title: '补缴核定', children: [
        { key: 'supplementary-roster', title: '补缴核定', path: '/supplementaries', functions: ['F13.1', 'F13.2'], enabled: true },
        { key: 'supplementary-query', title: '补缴查询', path: '/supplementaries/query', functions: ['F13.3'], enabled: true },
      ] },
      { key: 'payment', title: '缴存办理', path: '/payments', functions: ['F14.1'], enabled: true },
    ],
  },
  {
    key: 'queries', title: '交易查询', icon: 'Search', children: [
      { key: 'tasks', title: '交易进度查询', path: '/tasks', functions: ['F15.1'], enabled: true },
      { key: 'results', title: '交易结果查询', path: '/results', functions: ['F16.1'], enabled: true },
    ],
  },
  { key: 'consultations', title: '咨询建议', path: '/consultations', functions: ['F17.1'], enabled: true, icon: 'ChatDotRound' },
]

/** Every leaf (an entry without children), in menu order. */
export function leaves(entries: MenuEntry[] = MENU): MenuEntry[] {
  return entries.flatMap((e) => (e.children ? leaves(e.children) : [e]))
}

/** An entry is open when it is enabled with a page, or is a group with an open leaf. */
export function isOpen(entry: MenuEntry): boolean {
  if (entry.children) return entry.children.some(isOpen)
  return Boolean(entry.enabled && entry.path)
}

/** The page of a function id (常用功能), or null when its entry is not open yet. */
export function functionPath(functionId: string, entries: MenuEntry[] = MENU): string | null {
  const leaf = leaves(entries).find((e) => e.functions?.includes(functionId))
  return leaf && isOpen(leaf) ? leaf.path! : null
}

/** The titles from the top menu down to the page at `path` (breadcrumb). */
export function trail(path: string, entries: MenuEntry[] = MENU, above: string[] = []): string[] | null {
  for (const entry of entries) {
    const here = [...above, entry.title]
    if (entry.path === path && isOpen(entry)) return here
    if (entry.children) {
      const found = trail(path, entry.children, here)
      if (found) return found
    }
  }
  return null
}
