// The one API client: fetch over /api/v1 with the session's bearer token. Types come from the
// gateway's OpenAPI document (schema.d.ts, `npm run gen:api`), so a renamed field fails the build.
import type { components } from './schema'
import { ApiError, errorFromResponse } from '../lib/errors'
import { SseParser } from '../lib/sse'
import { session } from '../lib/session'

export type Schemas = components['schemas']

type Query = Record<string, string | number | boolean | null | undefined>

let unauthorizedHandler: ((error: ApiError) => void) | null = null

/** Called when a logged-in request answers 401 (session ended, revoked or expired). */
export function onUnauthorized(handler: (error: ApiError) => void) {
  unauthorizedHandler = handler
}

function url(path: string, query?: Query): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== null && value !== undefined && value !== '') params.set(key, String(value))
  }
  const text = params.toString()
  return text ? `${path}?${text}` : path
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = { ...extra }
  if (session.token) out.Authorization = `Bearer ${session.token}`
  return out
}

async function send(method: string, path: string, options: { query?: Query; body?: unknown; form?: FormData } = {}) {
  const hadToken = Boolean(session.token)
  const init: RequestInit = { method, headers: headers({ Accept: 'application/json' }) }
  if (options.form) init.body = options.form
  else if (options.body !== undefined) {
    init.body = JSON.stringify(options.body)
    ;(init.headers as Record<string, string>)['Content-Type'] = 'application/json'
  }
  const response = await fetch(url(path, options.query), init)
  if (!response.ok) {
    const error = await errorFromResponse(response)
    if (response.status === 401 && hadToken && unauthorizedHandler) unauthorizedHandler(error)
    throw error
  }
  return response
}

export async function request<T>(method: string, path: string, options: { query?: Query; body?: unknown; form?: FormData } = {}): Promise<T> {
  const response = await send(method, path, options)
  if (response.status === 204) return undefined as T
  const text = await response.text()
  return (text ? JSON.parse(text) : undefined) as T
}

/** The file's name from Content-Disposition (filename* first: names may be Chinese). */
export function filenameOf(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch {
      /* fall through */
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(disposition)
  return plain ? plain[1] : fallback
}

/** A download through fetch with the token (never a token in a URL): blob → save. */
export async function download(path: string, fallbackName: string, query?: Query): Promise<string> {
  const response = await send('GET', url(path, query))
  const name = filenameOf(response.headers.get('Content-Disposition'), fallbackName)
  saveBlob(await response.blob(), name)
  return name
}

/** A file the API sent inside its JSON answer ({filename, content_type, content_base64}), saved. */
export function saveFile(file: { filename?: string; content_type?: string; content_base64?: string }): string {
  const bytes = Uint8Array.from(atob(file.content_base64 ?? ''), (c) => c.charCodeAt(0))
  const name = file.filename ?? '下载文件'
  saveBlob(new Blob([bytes], { type: file.content_type ?? 'application/octet-stream' }), name)
  return name
}

function saveBlob(blob: Blob, name: string) {
  const href = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = href
  link.download = name
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(href), 10_000)
}

const FINAL = new Set(['succeeded', 'failed', 'partial'])

/**
 * A task's live progress: the gateway's event stream read with fetch (it needs the bearer token,
 * which EventSource cannot send). Reconnects after the server's retry delay until a final
 * snapshot; `stop()` ends it.
 */
export function watchTask(taskId: string, onSnapshot: (task: Schemas['TaskOut']) => void,
  onError: (error: unknown) => void = () => {}): () => void {
  const controller = new AbortController()
  let finished = false
  const run = async () => {
    let retry = 3000
    let failures = 0
    while (!finished && !controller.signal.aborted) {
      try {
        const response = await fetch(`/api/v1/tasks/${encodeURIComponent(taskId)}/events`, {
          headers: headers({ Accept: 'text/event-stream' }), signal: controller.signal,
        })
        if (!response.ok || !response.body) {
          const error = await errorFromResponse(response)
          if (response.status === 401 && unauthorizedHandler) unauthorizedHandler(error)
          if (response.status < 500) { onError(error); return }
          throw error
        }
        failures = 0
        const parser = new SseParser()
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          for (const event of parser.push(value)) {
            if (event.event !== 'task') continue
            const task = JSON.parse(event.data) as Schemas['TaskOut']
            onSnapshot(task)
            if (task.status && FINAL.has(task.status)) finished = true
          }
          if (parser.retry) retry = parser.retry
          if (finished) { await reader.cancel(); break }
        }
      } catch (error) {
        if (controller.signal.aborted) return
        failures += 1
        if (failures >= 5) { onError(error); return }
      }
      if (!finished) await new Promise((resolve) => setTimeout(resolve, retry))
    }
  }
  void run()
  return () => { finished = true; controller.abort() }
}

export { ApiError }
