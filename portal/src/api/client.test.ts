import { afterEach, describe, expect, it, vi } from 'vitest'
import { filenameOf, request, watchTask } from './client'
import { ApiError } from '../lib/errors'
import { endSession, startSession } from '../lib/session'

function stream(text: string): Response {
  return new Response(new Blob([text]).stream(), { status: 200, headers: { 'Content-Type': 'text/event-stream' } })
}

function event(seq: number, status: string, percent: number) {
  return `id: ${seq}\nevent: task\ndata: ${JSON.stringify({ task_id: 't1', seq, status, percent })}\n\n`
}

afterEach(() => { vi.unstubAllGlobals(); endSession() })

describe('API client', () => {
  it('reads Chinese file names from Content-Disposition', () => {
    expect(filenameOf("attachment; filename=\"____.pdf\"; filename*=UTF-8''%E5%BC%80%E6%88%B7%E6%B8%85%E5%86%8C.pdf", 'x.pdf')).toBe('开户清册.pdf')
    expect(filenameOf('attachment; filename="errors.xlsx"', 'x.xlsx')).toBe('errors.xlsx')
    expect(filenameOf(null, '凭证.pdf')).toBe('凭证.pdf')
  })

  it('sends the bearer token and turns error bodies into ApiError', async () => {
    startSession('tok-1', new Date(Date.now() + 60_000).toISOString(), false, '6101', '甲单位', '孙经办')
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ error: { code: 'COUNTER_ONLY', message: '须至中心柜台办理' } }), { status: 400 }))
    vi.stubGlobal('fetch', fetchMock)
    const error = await request('PATCH', '/api/v1/employer', { body: { name: '乙' } }).catch((e) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).message).toBe('须至中心柜台办理')
    const init = (fetchMock.mock.calls[0] as unknown[])[1] as RequestInit
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer tok-1')
  })

  it('follows a task over its event stream with the token in a header, reconnecting until a final snapshot', async () => {
    startSession('tok-2', new Date(Date.now() + 60_000).toISOString(), false, '6101', '甲单位', '孙经办')
    const calls: { url: string; auth: string }[] = []
    const answers = [
      () => stream('retry: 10\n\n' + event(1, 'running', 10) + ': keepalive\n\n'),    // the stream drops here
      () => stream('retry: 10\n\n' + event(2, 'running', 60) + event(3, 'succeeded', 100)),
    ]
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
      calls.push({ url, auth: (init.headers as Record<string, string>).Authorization })
      return answers[calls.length - 1]()
    }))
    const seen: number[] = []
    await new Promise<void>((resolve) => {
      watchTask('t1', (task) => {
        seen.push(Number(task.percent))
        if (task.status === 'succeeded') resolve()
      })
    })
    expect(seen).toEqual([10, 60, 100])
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/tasks/t1/events', '/api/v1/tasks/t1/events'])
    expect(calls.every((c) => c.auth === 'Bearer tok-2' && !c.url.includes('tok'))).toBe(true)
  })
})
