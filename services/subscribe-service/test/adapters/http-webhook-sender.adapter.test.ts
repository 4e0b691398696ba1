import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, describe, it } from 'node:test'
import { createHttpWebhookClient } from '../../src/adapters/http-webhook-sender.adapter.ts'
import { createWebhookAddressGuard, parseAllowedHosts } from '../../src/adapters/webhook-address.adapter.ts'
import type { Resolve } from '../../src/adapters/webhook-address.adapter.ts'
import { WebhookError } from '../../src/entities/subscription.errors.ts'

/** A receiver on 127.0.0.1 answering with `handle`, remembering each request and whether the client closed early. */
async function receiver (handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const requests: Array<{ url: string, key: string | undefined, body: string }> = []
  const headers: IncomingMessage['headers'][] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      requests.push({ url: req.url ?? '', key: req.headers['idempotency-key'] as string | undefined, body })
      headers.push(req.headers)
      handle(req, res)
    })
  })
  server.listen(0, '127.0.0.1')
  await new Promise(resolve => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  return { port, url: `http://127.0.0.1:${port}`, requests, headers, close: () => { server.closeAllConnections(); server.close() } }
}

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`

const client = (allowed: string, options: { timeoutMs?: number, resolve?: Resolve } = {}) => createHttpWebhookClient({
  timeoutMs: options.timeoutMs ?? 5000,
  maxResponseBytes: 4096,
  guard: createWebhookAddressGuard({ allowedHosts: parseAllowedHosts(allowed), resolveTimeoutMs: 1000, resolve: options.resolve })
})

const rejectsWith = (promise: Promise<unknown>, message: RegExp, permanent: boolean) =>
  assert.rejects(promise, (e: unknown) => e instanceof WebhookError && message.test(e.message) && e.canRetry === !permanent)

describe('HTTP webhook client', () => {
  const closers: Array<() => void> = []
  after(() => { for (const c of closers) c() })

  it('POSTs the body with its Idempotency-Key to an allow-listed local receiver', async () => {
    const hook = await receiver((_req, res) => { res.statusCode = 204; res.end() })
    closers.push(hook.close)
    await client('127.0.0.1').post(`${hook.url}/hook`, { hello: 'world' }, 'e1:sam', SECRET)
    assert.deepEqual(hook.requests, [{ url: '/hook', key: 'e1:sam', body: '{"hello":"world"}' }])
  })

  it('signs each POST per Standard Webhooks: webhook-id (the Idempotency-Key), webhook-timestamp (seconds), webhook-signature v1 over id.timestamp.body', async () => {
    const hook = await receiver((_req, res) => { res.statusCode = 204; res.end() })
    closers.push(hook.close)
    const signing = createHttpWebhookClient({
      timeoutMs: 5000,
      now: () => 1_614_265_330_123,
      guard: createWebhookAddressGuard({ allowedHosts: parseAllowedHosts('127.0.0.1'), resolveTimeoutMs: 1000 })
    })
    await signing.post(`${hook.url}/hook`, { hello: 'world' }, 'e1:sam', SECRET)
    const sent = hook.headers[0]!
    const expected = createHmac('sha256', Buffer.alloc(32, 7)).update('e1:sam.1614265330.{"hello":"world"}').digest('base64')
    assert.deepEqual([sent['webhook-id'], sent['webhook-timestamp'], sent['webhook-signature']], ['e1:sam', '1614265330', `v1,${expected}`])
    assert.ok(!JSON.stringify(sent).includes(SECRET.slice(6)), 'the secret itself never travels')
  })

  it('refuses, permanently and without connecting, a loopback receiver that is not allow-listed, by address or by name', async () => {
    const hook = await receiver((_req, res) => { res.end() })
    closers.push(hook.close)
    await rejectsWith(client('').post(`${hook.url}/hook`, {}, 'k', SECRET), /^webhook address refused: 127\.0\.0\.1 is a loopback address/, true)
    await rejectsWith(client('').post(`http://localhost:${hook.port}/hook`, {}, 'k', SECRET), /^webhook address refused: localhost resolves to 127\.0\.0\.1 is a loopback address/, true)
    await rejectsWith(client(`127.0.0.1:${hook.port + 1}`).post(`${hook.url}/hook`, {}, 'k', SECRET), /loopback/, true)
    assert.equal(hook.requests.length, 0)
  })

  it('connects to the address its lookup checked: a name that re-resolves inside is refused, and reaches the receiver only when allowed', async () => {
    const hook = await receiver((_req, res) => { res.end() })
    closers.push(hook.close)
    const rebound: Resolve = async () => [{ address: '127.0.0.1', family: 4 }]
    await rejectsWith(client('', { resolve: rebound }).post(`http://hooks.example:${hook.port}/hook`, {}, 'k', SECRET), /hooks\.example resolves to 127\.0\.0\.1 is a loopback address/, true)
    assert.equal(hook.requests.length, 0)
    await client('127.0.0.1', { resolve: rebound }).post(`http://hooks.example:${hook.port}/hook`, {}, 'k', SECRET)
    assert.equal(hook.requests.length, 1, 'the name resolved by the guard, the connection made to that address')
  })

  it('does not follow a redirect: a 302 is a failed attempt (retried), and its Location gets nothing', async () => {
    const elsewhere = await receiver((_req, res) => { res.end() })
    const hook = await receiver((_req, res) => { res.writeHead(302, { location: `${elsewhere.url}/taken` }); res.end() })
    closers.push(hook.close, elsewhere.close)
    await rejectsWith(client('127.0.0.1').post(`${hook.url}/hook`, {}, 'k', SECRET), /^webhook answered 302 \(redirects are not followed\)$/, false)
    assert.equal(hook.requests.length, 1)
    assert.equal(elsewhere.requests.length, 0)
  })

  it('reads an answer only up to the limit: an endless 200 body is cut at once, not read until the deadline', async () => {
    let written = 0
    let closed = false
    const hook = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      const chunk = Buffer.alloc(64 * 1024, 'x')
      const pump = () => { while (!closed && res.write(chunk)) written += chunk.length }
      res.on('drain', pump)
      res.on('close', () => { closed = true })
      pump()
    })
    closers.push(hook.close)
    // Read to its end, this body would outlast any deadline and the post would fail as a timeout;
    // cut at the limit, the 200 counts as delivered.
    await client('127.0.0.1', { timeoutMs: 10_000 }).post(`${hook.url}/hook`, {}, 'k', SECRET)
    await new Promise(resolve => setTimeout(resolve, 100))
    assert.ok(closed, 'the client closed the connection')
    assert.ok(written < 64 * 1024 * 1024, `${written} bytes written before the cut`)
  })

  it('a receiver that does not answer in time is a retried failure; a 500 too', async () => {
    const hang = await receiver(() => {})
    const broken = await receiver((_req, res) => { res.statusCode = 500; res.end('x'.repeat(100_000)) })
    closers.push(hang.close, broken.close)
    await rejectsWith(client('127.0.0.1', { timeoutMs: 200 }).post(`${hang.url}/hook`, {}, 'k', SECRET), /^webhook not reached: no answer within 200 ms$/, false)
    await rejectsWith(client('127.0.0.1').post(`${broken.url}/hook`, {}, 'k', SECRET), /^webhook answered 500$/, false)
  })
})
