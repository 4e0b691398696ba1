import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startWebhookReceiver } from '../src/webhook-receiver.server.ts'
import type { ReceivedRequest } from '../src/webhook-receiver.server.ts'

let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>
before(async () => { receiver = await startWebhookReceiver({ host: '127.0.0.1', port: 0, keep: 3 }) })
after(async () => { await receiver.stop() })

const list = async (query = ''): Promise<ReceivedRequest[]> => {
  const res = await fetch(`${receiver.url}/received${query}`)
  assert.equal(res.status, 200)
  return await res.json() as ReceivedRequest[]
}

test('records a POST at any path with its headers and its body as sent, and lists it by path', async () => {
  const body = '{"b":1,  "a":2}'
  const res = await fetch(`${receiver.url}/hooks/one?x=1`, { method: 'POST', headers: { 'content-type': 'application/json', 'Idempotency-Key': 'e1:s1' }, body })
  assert.equal(res.status, 204)
  await fetch(`${receiver.url}/hooks/two`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'plain' })
  const mine = await list('?path=/hooks/one')
  assert.equal(mine.length, 1)
  assert.equal(mine[0]?.method, 'POST')
  assert.equal(mine[0]?.body, body, 'the bytes as sent, not a reparse')
  assert.equal(mine[0]?.headers['idempotency-key'], 'e1:s1')
  assert.deepEqual((await list()).map(r => r.path), ['/hooks/one', '/hooks/two'])
})

test('keeps only the newest requests past its limit, and DELETE /received forgets them', async () => {
  for (const n of [1, 2, 3, 4]) await fetch(`${receiver.url}/many/${n}`, { method: 'PUT', body: String(n) })
  assert.deepEqual((await list()).map(r => r.path), ['/many/2', '/many/3', '/many/4'])
  assert.equal((await fetch(`${receiver.url}/received`, { method: 'DELETE' })).status, 204)
  assert.deepEqual(await list(), [])
})

test('its own paths are not recorded', async () => {
  assert.equal((await fetch(`${receiver.url}/received`, { method: 'POST', body: 'x' })).status, 405)
  assert.equal(await (await fetch(`${receiver.url}/health`)).text(), 'ok')
  assert.deepEqual(await list(), [])
})
