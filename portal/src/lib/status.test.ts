import { describe, expect, it } from 'vitest'
import { ApiError } from './errors'
import {
  choiceCandidates, mergeProblem, pickProblem, reasonList, sealDraftBody, transferDraftBody, transferPrefill, unsealDraftBody,
} from './status'

const sealed = { account_no: '610190000000012', name: '张封', status: '02', status_name: '封存' }
const normal = { account_no: '610190000000013', name: '张封', status: '01', status_name: '正常' }

describe('status change drafts', () => {
  it('names the picked account, never the name the clerk searched by', () => {
    expect(sealDraftBody(normal, '离职')).toEqual({ account_no: '610190000000013', reason: '离职' })
    expect(() => sealDraftBody(null, '离职')).toThrow('请先查询并选择职工')
    expect(() => sealDraftBody(normal, '')).toThrow('请选择封存原因')
  })
  it('sends an unseal base as the API reads money, or refuses what is not an amount', () => {
    expect(unsealDraftBody(sealed, '重新入职', '5,000.5')).toEqual({ account_no: '610190000000012', reason: '重新入职', base: '5000.50' })
    expect(() => unsealDraftBody(sealed, '重新入职', '5千')).toThrow('缴存基数须为金额')
    expect(() => unsealDraftBody(sealed, '', '5000')).toThrow('请选择启封原因')
  })
  it('adds the chosen account to a transfer only once one is chosen', () => {
    const form = { name: ' 李转 ', id_number: '11010119900307001x', reason: '调入' }
    expect(transferDraftBody(form)).toEqual({ name: '李转', id_number: '11010119900307001X', reason: '调入' })
    expect(transferDraftBody(form, '610290000000001')).toEqual({ name: '李转', id_number: '11010119900307001X', reason: '调入', account_no: '610290000000001' })
  })
  it('lets a seal take normal accounts and an unseal sealed ones', () => {
    expect(pickProblem('seals', normal)).toBeNull()
    expect(pickProblem('seals', sealed)).toBe('账户状态为封存，不能封存')
    expect(pickProblem('unseals', sealed)).toBeNull()
    expect(pickProblem('unseals', normal)).toBe('账户状态为正常，仅封存账户可以启封')
  })
})

describe('CHOICE_REQUIRED candidates', () => {
  it('reads the accounts listed in the message of the refusal', () => {
    const error = new ApiError(409, 'CHOICE_REQUIRED', '该职工有多个封存账户（610290000000001、610390000000007），请选择要转入的个人账号', [
      { field: 'account_no', label: '个人账号', message: '该职工有多个封存账户（610290000000001、610390000000007），请选择要转入的个人账号' },
    ])
    expect(choiceCandidates(error)).toEqual([
      { account_no: '610290000000001', label: '610290000000001' },
      { account_no: '610390000000007', label: '610390000000007' },
    ])
  })
  it('takes the own value of a detail first, once each, and only account_no details', () => {
    const error = new ApiError(409, 'CHOICE_REQUIRED', '请选择要转入的个人账号', [
      { field: 'account_no', message: '甲单位 封存于 20260101', value: '610290000000001' },
      { field: 'account_no', message: '610390000000007（乙单位）' },
      { field: 'account_no', message: '610390000000007 重复' },
      { field: 'name', message: '11010119900307001X' },
    ])
    expect(choiceCandidates(error).map((c) => c.account_no)).toEqual(['610290000000001', '610390000000007'])
  })
  it('offers nothing for any other refusal', () => {
    expect(choiceCandidates(new ApiError(409, 'NO_SEALED_ACCOUNT', '该职工在其他单位没有封存账户',
      [{ field: 'account_no', message: '610290000000001' }]))).toEqual([])
    expect(choiceCandidates(new Error('网络'))).toEqual([])
  })
})

describe('reasons', () => {
  it('reads the centre\'s list without blanks', () => {
    expect(reasonList({ reasons: ['离职', '', '调出'] })).toEqual(['离职', '调出'])
    expect(reasonList({})).toEqual([])
    expect(reasonList(null)).toEqual([])
  })
})

describe('transfer prefill and merge choice', () => {
  it('takes name and ID from the address the merge page links to', () => {
    expect(transferPrefill({ name: '王合', id_number: ['110101199003070019', 'x'] })).toEqual({ name: '王合', id_number: '110101199003070019' })
    expect(transferPrefill({})).toEqual({ name: '', id_number: '' })
  })
  it('needs two different accounts', () => {
    expect(mergeProblem('', '2')).toBe('请选择转出账户')
    expect(mergeProblem('1', '')).toBe('请选择转入账户')
    expect(mergeProblem('1', '1')).toBe('转出账户与转入账户不能相同')
    expect(mergeProblem('1', '2')).toBeNull()
  })
})
