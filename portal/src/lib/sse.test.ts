import { describe, expect, it } from 'vitest'
import { SseParser } from './sse'

describe('event stream parser', () => {
  it('reads the gateway stream split anywhere', () => {
    const stream = 'retry: 3000\n\nid: 1\nevent: task\ndata: {"percent": 10}\n\n: keepalive\n\nid: 2\nevent: task\ndata: {"percent": 100}\n\n'
    const parser = new SseParser()
    const events = []
    for (let i = 0; i < stream.length; i += 7) events.push(...parser.push(stream.slice(i, i + 7)))
    expect(parser.retry).toBe(3000)
    expect(events).toEqual([
      { event: 'task', data: '{"percent": 10}', id: '1' },
      { event: 'task', data: '{"percent": 100}', id: '2' },
    ])
  })
  it('joins multi-line data and accepts CRLF', () => {
    const parser = new SseParser()
    expect(parser.push('data: a\r\ndata: b\r\n\r\n')).toEqual([{ event: 'message', data: 'a\nb', id: null }])
  })
})
