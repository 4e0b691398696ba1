import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'

export interface ReceivedRequest {
  id: string
  receivedAt: string
  method: string
  path: string
  /** Lower-case names, as Node gives them: `webhook-signature`, `idempotency-key`. */
  headers: Record<string, string>
  /** The body exactly as sent: a Standard Webhooks signature covers its bytes. */
  body: string
}

export interface WebhookReceiverOptions {
  host: string
  port: number
  /** The oldest requests are forgotten past this many, so a long-running stack holds a bounded list. Default 1,000. */
  keep?: number
  /** Every request is answered with this status (2xx: delivered). Default 204. */
  status?: number
}

const DEFAULT_KEEP = 1000
const RESERVED = new Set(['/received', '/health'])

/**
 * Accepts a request of any method at any path except its own (`/received`, `/health`) and
 * records it; `GET /received[?path=/hooks/x]` lists what it recorded, oldest first, and
 * `DELETE /received` forgets it. It stands in for a subscriber's endpoint on this machine.
 */
export async function startWebhookReceiver (options: WebhookReceiverOptions) {
  const keep = options.keep ?? DEFAULT_KEEP
  const status = options.status ?? 204
  const received: ReceivedRequest[] = []
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 })
  // Every body as text, whatever its type: the list shows what was sent, not a reparse of it.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => { done(null, body) })

  app.get('/health', async () => 'ok')
  app.get('/received', async req => {
    const { path } = req.query as { path?: string }
    return path === undefined ? received : received.filter(r => r.path === path)
  })
  app.delete('/received', async (_req, reply) => {
    received.length = 0
    return reply.status(204).send()
  })
  app.all('*', async (req, reply) => {
    const path = req.url.split('?')[0] ?? '/'
    if (RESERVED.has(path)) return reply.status(405).send({ error: 'METHOD_NOT_ALLOWED', message: `${path} answers GET (and DELETE for /received)` })
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]))
    received.push({ id: randomUUID(), receivedAt: new Date().toISOString(), method: req.method, path, headers, body: typeof req.body === 'string' ? req.body : '' })
    if (received.length > keep) received.splice(0, received.length - keep)
    return reply.status(status).send()
  })

  const url = await app.listen({ host: options.host, port: options.port })
  return { url, received: () => [...received], stop: () => app.close() }
}
