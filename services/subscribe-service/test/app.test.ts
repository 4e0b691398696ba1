// Integration: the whole service in-process against the real Kafka and PostgreSQL, on a topic and database of its own.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { createProducer } from '@ripple/kit'
import type { KafkaProducer } from '@ripple/kit'
import { createSubscribeService } from '../src/app.ts'
import type { SubscribeService } from '../src/app.ts'
import { deleteTopics, dropPostgresDatabase, eventually, postCreatedRecord, readTopic, serviceConfig, unique } from './stack.helpers.ts'

interface NotificationJson { id: number, eventId: string, subscriberId: string, post: { id: number, title: string }, delivery: null | { state: string, attempts: number, lastError: string | null } }

/** A webhook receiver on a free port: answers each POST with the next status of its script (then 200), remembering every request. */
async function receiver (script: (key: string, seen: number) => number | 'hang') {
  const requests: Array<{ key: string, status: number | 'hang', body: unknown }> = []
  const app: FastifyInstance = Fastify()
  app.post('/hook', async (req, reply) => {
    const key = String(req.headers['idempotency-key'])
    const status = script(key, requests.filter(r => r.key === key).length)
    requests.push({ key, status, body: req.body })
    if (status === 'hang') return await new Promise(() => {})
    return reply.status(status).send({ ok: status < 300 })
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return { url: `${url}/hook`, requests, close: () => app.close() }
}

describe('subscribe-service (real Kafka and PostgreSQL)', () => {
  const topic = unique('test.outbox.subscribe.')
  const database = unique('test_subscribe_app_')
  const groupId = unique('test-subscribe-')
  let service: SubscribeService
  let base: string
  let producer: KafkaProducer
  const closers: Array<() => Promise<unknown>> = []

  const json = { 'content-type': 'application/json' }
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, { method, headers: body === undefined ? {} : json, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined }
  }
  const subscribe = async (subscriberId: string, authorId: string, webhookUrl?: string) => {
    const res = await call('POST', '/subscriptions', { subscriberId, authorId, ...(webhookUrl ? { webhookUrl } : {}) })
    assert.equal(res.status, 201, JSON.stringify(res.body))
  }
  const notificationsOf = async (subscriberId: string): Promise<NotificationJson[]> => (await call('GET', `/notifications?subscriberId=${subscriberId}&limit=1000`)).body.items

  before(async () => {
    service = createSubscribeService(serviceConfig({ TOPIC: topic, GROUP_ID: groupId, POSTGRES_DATABASE: database }))
    base = (await service.start()).url
    producer = createProducer({ brokers: serviceConfig({ TOPIC: topic, GROUP_ID: 'g', POSTGRES_DATABASE: database }).KAFKA_BROKERS, clientId: 'subscribe-service-test' })
  })
  after(async () => {
    await service.stop()
    await producer.close()
    await Promise.all(closers.map(c => c()))
    await dropPostgresDatabase(database)
    await deleteTopics([topic, `${topic}.dlq`])
  })

  it('records one notification per subscriber, once, even when the event comes twice', async () => {
    await subscribe('sam', 'alice')
    await subscribe('kim', 'alice')
    await subscribe('lee', 'bob')
    const first = postCreatedRecord(topic, { id: 1, authorId: 'alice', title: 'Hello' })
    // The same event again at a later offset, as after a connector restart or from both relays.
    await producer.send([first, postCreatedRecord(topic, { id: 2, authorId: 'bob', title: 'Other author' }), first, postCreatedRecord(topic, { id: 3, authorId: 'alice', title: 'Again' })])
    await eventually(async () => assert.equal((await notificationsOf('kim')).length, 2))
    for (const subscriber of ['sam', 'kim']) {
      assert.deepEqual((await notificationsOf(subscriber)).map(n => [n.post.id, n.post.title, n.delivery]), [[1, 'Hello', null], [3, 'Again', null]])
    }
    assert.deepEqual((await notificationsOf('lee')).map(n => n.post.id), [2])
  })

  it('parks a malformed record in the dead-letter topic and carries on', async () => {
    await subscribe('dora', 'dan')
    const good = postCreatedRecord(topic, { id: 10, authorId: 'dan', title: 'After the bad one' })
    await producer.send([{ topic, key: 'dan', value: 'not json', headers: { id: 'bad-1', eventType: 'PostCreated' } }, good])
    await eventually(async () => assert.equal((await notificationsOf('dora')).length, 1))
    const [parked] = await readTopic(`${topic}.dlq`, r => r.length >= 1)
    assert.equal(parked?.value, 'not json')
    assert.equal(parked?.headers['x-dlq-error-code'], 'INVALID_INPUT')
    assert.equal(parked?.headers.id, 'bad-1')
  })

  it('a webhook that fails twice then succeeds gets each notification exactly once, as its Idempotency-Key shows', async () => {
    const hook = await receiver((_key, seen) => seen < 2 ? 500 : 200)
    closers.push(hook.close)
    await subscribe('wendy', 'walt', hook.url)
    await producer.send([1, 2, 3].map(id => postCreatedRecord(topic, { id: 100 + id, authorId: 'walt', title: `Hooked ${id}` })))
    const delivered = await eventually(async () => {
      const mine = await notificationsOf('wendy')
      assert.equal(mine.length, 3)
      assert.ok(mine.every(n => n.delivery?.state === 'delivered'), JSON.stringify(mine.map(n => n.delivery)))
      return mine
    })
    assert.deepEqual(delivered.map(n => n.delivery?.attempts), [3, 3, 3])
    const keys = new Set(hook.requests.map(r => r.key))
    assert.equal(keys.size, 3)
    for (const key of keys) {
      assert.deepEqual(hook.requests.filter(r => r.key === key).map(r => r.status), [500, 500, 200], `${key}: two failures, then one success`)
    }
    const bodies = hook.requests.filter(r => r.status === 200).map(r => r.body as { subscriberId: string, post: { authorId: string } })
    assert.ok(bodies.every(b => b.subscriberId === 'wendy' && b.post.authorId === 'walt'))
  })

  it('a receiver that hangs or fails holds up no other receiver', async () => {
    const stuck = await receiver(() => 'hang')
    const broken = await receiver(() => 503)
    const healthy = await receiver(() => 200)
    closers.push(() => stuck.close().catch(() => undefined), broken.close, healthy.close)
    await subscribe('s-stuck', 'hana', stuck.url)
    await subscribe('s-broken', 'hana', broken.url)
    await subscribe('s-healthy', 'hana', healthy.url)
    await producer.send(Array.from({ length: 20 }, (_, i) => postCreatedRecord(topic, { id: 200 + i, authorId: 'hana', title: `Busy ${i}` })))
    await eventually(async () => {
      const mine = await notificationsOf('s-healthy')
      assert.equal(mine.filter(n => n.delivery?.state === 'delivered').length, 20)
    })
    assert.equal(new Set(healthy.requests.map(r => r.key)).size, 20)
    assert.equal(healthy.requests.length, 20, 'each sent once')
    assert.ok(stuck.requests.length >= 1)
    const brokenState = await notificationsOf('s-broken')
    assert.ok(brokenState.every(n => n.delivery?.state === 'pending'), 'still to be retried')
    assert.ok(brokenState.some(n => n.delivery?.lastError === 'webhook answered 503'))
  })

  it('HTTP: bad input is a 400 naming the field; subscribing again is a 200; unsubscribing twice is a 404', async () => {
    const bad = async (body: unknown, field: string) => {
      const res = await call('POST', '/subscriptions', body)
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.equal(res.body.field, field)
    }
    await bad({ subscriberId: 'x', authorId: 'x' }, 'authorId')
    await bad({ subscriberId: 'has space', authorId: 'y' }, 'subscriberId')
    await bad({ subscriberId: 'x', authorId: 'y', webhookUrl: 'ftp://hooks.test/x' }, 'webhookUrl')
    await bad({ subscriberId: 'x', authorId: 'y', colour: 'red' }, 'colour')
    await bad({ authorId: 'y' }, 'subscriberId')
    await subscribe('xena', 'yuri')
    const again = await call('POST', '/subscriptions', { subscriberId: 'xena', authorId: 'yuri', webhookUrl: 'https://hooks.test/xena' })
    assert.equal(again.status, 200)
    assert.equal(again.body.webhookUrl, 'https://hooks.test/xena')
    assert.deepEqual((await call('GET', '/subscriptions?subscriberId=xena')).body.items.map((s: { authorId: string }) => s.authorId), ['yuri'])
    assert.equal((await call('DELETE', '/subscriptions/xena/yuri')).status, 204)
    const gone = await call('DELETE', '/subscriptions/xena/yuri')
    assert.equal(gone.status, 404)
    assert.equal(gone.body.field, 'authorId')
    assert.equal((await call('GET', '/notifications')).body.field, 'subscriberId')
    assert.equal((await call('GET', '/notifications?subscriberId=sam&limit=0')).body.field, 'limit')
    assert.deepEqual((await call('GET', '/health')).body, { status: 'ok', reasons: [], postgres: 'ok', [`consumer:${groupId}`]: { topics: [topic], healthy: true } })
  })
})
