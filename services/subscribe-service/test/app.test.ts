// Integration: the whole service in-process against the real Kafka and PostgreSQL, on a topic and database of its own.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { randomUUID } from 'node:crypto'
import { createProducer, kafkaConnection } from '@ripple/kit'
import type { KafkaProducer } from '@ripple/kit'
import pg from 'pg'
import { createSubscribeService } from '../src/app.ts'
import type { SubscribeService } from '../src/app.ts'
import {
  deleteTopics, dropPostgresDatabase, eventually, forgedTokens, postCreatedRecord, postgresSettings, readTopic, RECEIVER_HOST, serviceConfig, testAccessToken, testAdminToken, unique, userChangeRecord
} from './stack.helpers.ts'

interface NotificationJson { id: number, eventId: string, subscriberId: string, post: { id: number, title: string }, delivery: null | { state: string, attempts: number, lastError: string | null } }

/** A webhook receiver on a free port of RECEIVER_HOST: answers each POST with the next status of its script (then 200), remembering every request. */
async function receiver (script: (key: string, seen: number) => number | 'hang') {
  const requests: Array<{ key: string, status: number | 'hang', body: unknown }> = []
  const app: FastifyInstance = Fastify()
  app.post('/hook', async (req, reply) => {
    const key = String(req.headers['idempotency-key'])
    const status = script(key, requests.filter(r => r.key === key).length)
    requests.push({ key, status, body: req.body })
    if (status === 'hang') return await new Promise(() => {})
    if (status >= 300 && status < 400) return reply.status(status).header('location', 'http://93.184.215.14/elsewhere').send()
    return reply.status(status).send({ ok: status < 300 })
  })
  const url = await app.listen({ host: RECEIVER_HOST, port: 0 })
  return { url: `${url}/hook`, requests, close: () => app.close() }
}

describe('subscribe-service (real Kafka and PostgreSQL)', () => {
  const topic = unique('test.outbox.subscribe.')
  const database = unique('test_subscribe_app_')
  const groupId = unique('test-subscribe-')
  const usersTopic = unique('test.cdc.users.')
  const revocationGroupId = unique('test-subscribe-revocations-')
  let service: SubscribeService
  let base: string
  let producer: KafkaProducer
  const closers: Array<() => Promise<unknown>> = []

  /** Calls the service as `as` (a user id; null: without a token). */
  const call = async (method: string, path: string, body: unknown, as: string | null) => {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' }
    if (as !== null) headers.authorization = `Bearer ${await testAccessToken(as)}`
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined }
  }
  const subscribe = async (subscriberId: string, authorId: string, webhookUrl?: string) => {
    const res = await call('POST', '/subscriptions', { subscriberId, authorId, ...(webhookUrl ? { webhookUrl } : {}) }, subscriberId)
    assert.equal(res.status, 201, JSON.stringify(res.body))
  }
  const notificationsOf = async (subscriberId: string): Promise<NotificationJson[]> => (await call('GET', `/notifications?subscriberId=${subscriberId}&limit=1000`, undefined, subscriberId)).body.items

  before(async () => {
    producer = createProducer({ ...kafkaConnection(serviceConfig({ TOPIC: topic, GROUP_ID: 'g', POSTGRES_DATABASE: database })), clientId: 'subscribe-service-test' })
    // The users topic exists before the consumer subscribes, as the connector's does on the stack.
    await producer.send([userChangeRecord(usersTopic, { op: 'c', userId: randomUUID(), passwordChangedAt: null })])
    service = createSubscribeService(serviceConfig({ TOPIC: topic, GROUP_ID: groupId, POSTGRES_DATABASE: database, REVOCATION_TOPIC: usersTopic, REVOCATION_GROUP_ID: revocationGroupId }))
    base = (await service.start()).url
  })
  after(async () => {
    await service.stop()
    await producer.close()
    await Promise.all(closers.map(c => c()))
    await dropPostgresDatabase(database)
    await deleteTopics([topic, `${topic}.dlq`, usersTopic, `${usersTopic}.dlq`])
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
    const bad = async (body: { subscriberId?: string, [other: string]: unknown }, field: string) => {
      const res = await call('POST', '/subscriptions', body, body.subscriberId ?? 'x')
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.equal(res.body.field, field)
    }
    await bad({ subscriberId: 'x', authorId: 'x' }, 'authorId')
    await bad({ subscriberId: 'has space', authorId: 'y' }, 'subscriberId')
    await bad({ subscriberId: 'x', authorId: 'y', webhookUrl: 'ftp://hooks.test/x' }, 'webhookUrl')
    await bad({ subscriberId: 'x', authorId: 'y', colour: 'red' }, 'colour')
    await bad({ authorId: 'y' }, 'subscriberId')
    await subscribe('xena', 'yuri')
    const again = await call('POST', '/subscriptions', { subscriberId: 'xena', authorId: 'yuri', webhookUrl: 'https://93.184.215.14/xena' }, 'xena')
    assert.equal(again.status, 200)
    assert.equal(again.body.webhookUrl, 'https://93.184.215.14/xena')
    assert.deepEqual((await call('GET', '/subscriptions?subscriberId=xena', undefined, 'xena')).body.items.map((s: { authorId: string }) => s.authorId), ['yuri'])
    assert.equal((await call('DELETE', '/subscriptions/xena/yuri', undefined, 'xena')).status, 204)
    const gone = await call('DELETE', '/subscriptions/xena/yuri', undefined, 'xena')
    assert.equal(gone.status, 404)
    assert.equal(gone.body.field, 'authorId')
    assert.equal((await call('GET', '/notifications', undefined, 'sam')).body.field, 'subscriberId')
    assert.equal((await call('GET', '/notifications?subscriberId=sam&limit=0', undefined, 'sam')).body.field, 'limit')
    assert.deepEqual((await call('GET', '/health', undefined, null)).body, {
      status: 'ok',
      reasons: [],
      postgres: 'ok',
      [`consumer:${groupId}`]: { topics: [topic], healthy: true },
      [`consumer:${revocationGroupId}`]: { topics: [usersTopic], healthy: true }
    })
  })

  it('HTTP: every route needs the subscriber\'s own token: 401 without one or with a forged one, 403 with another user\'s; an admin acts for anyone', async () => {
    await subscribe('owner-o', 'author-a')
    const routes: Array<[string, string, unknown]> = [
      ['POST', '/subscriptions', { subscriberId: 'owner-o', authorId: 'author-b' }],
      ['GET', '/subscriptions?subscriberId=owner-o', undefined],
      ['DELETE', '/subscriptions/owner-o/author-a', undefined],
      ['GET', '/notifications?subscriberId=owner-o', undefined]
    ]
    for (const [method, path, body] of routes) {
      const none = await call(method, path, body, null)
      assert.equal(none.status, 401, `${method} ${path} without a token`)
      assert.equal(none.body.field, 'authorization')
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/)
      const forged = await fetch(base + path, { method, headers: { authorization: 'Bearer not.a.token', ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined })
      assert.equal(forged.status, 401, `${method} ${path} with a forged token`)
      const foreign = await call(method, path, body, 'mallory')
      assert.equal(foreign.status, 403, `${method} ${path} with another user's token`)
      assert.equal(foreign.body.field, 'subscriberId')
    }
    assert.deepEqual((await call('GET', '/subscriptions?subscriberId=owner-o', undefined, 'owner-o')).body.items.map((s: { authorId: string }) => s.authorId), ['author-a'], 'nothing changed')
    const asAdmin = await fetch(`${base}/subscriptions?subscriberId=owner-o`, { headers: { authorization: `Bearer ${await testAdminToken()}` } })
    assert.equal(asAdmin.status, 200)
  })

  it('HTTP: a token signed with anything but user-service\'s private key is a 401 on every route', async () => {
    const routes: Array<[string, string, unknown]> = [
      ['POST', '/subscriptions', { subscriberId: 'owner-f', authorId: 'author-b' }],
      ['GET', '/subscriptions?subscriberId=owner-f', undefined],
      ['DELETE', '/subscriptions/owner-f/author-a', undefined],
      ['GET', '/notifications?subscriberId=owner-f', undefined]
    ]
    for (const [kind, token] of Object.entries(await forgedTokens('owner-f'))) {
      for (const [method, path, body] of routes) {
        const res = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined })
        const answer = await res.json() as { error: string, field: string }
        assert.equal(res.status, 401, `${method} ${path}, ${kind}`)
        assert.deepEqual([answer.error, answer.field], ['UNAUTHORIZED', 'authorization'], `${method} ${path}, ${kind}`)
      }
    }
    assert.deepEqual((await call('GET', '/subscriptions?subscriberId=owner-f', undefined, 'owner-f')).body.items, [], 'nothing stored')
  })

  it('HTTP: a token signed before its user\'s password change, or for a deleted account, is a 401 TOKEN_REVOKED once the change event arrives; a new token works', async () => {
    const dan = randomUUID()
    const erin = randomUUID()
    const danBefore = await testAccessToken(dan)
    const erinToken = await testAccessToken(erin)
    const list = async (userId: string, token: string) => {
      const res = await fetch(`${base}/subscriptions?subscriberId=${userId}`, { headers: { authorization: `Bearer ${token}` } })
      return { status: res.status, body: await res.json() as { error?: string, field?: string } }
    }
    assert.equal((await list(dan, danBefore)).status, 200, 'valid before the change')
    assert.equal((await list(erin, erinToken)).status, 200)
    await new Promise(resolve => setTimeout(resolve, 5))
    await producer.send([
      userChangeRecord(usersTopic, { op: 'u', userId: dan, passwordChangedAt: new Date() }),
      userChangeRecord(usersTopic, { op: 'd', userId: erin, passwordChangedAt: null })
    ])
    for (const [userId, token] of [[dan, danBefore], [erin, erinToken]] as const) {
      const refused = await eventually(async () => {
        const res = await list(userId, token)
        assert.equal(res.status, 401, JSON.stringify(res.body))
        return res
      }, 10_000)
      assert.deepEqual([refused.body.error, refused.body.field], ['TOKEN_REVOKED', 'authorization'])
    }
    assert.equal((await list(dan, await testAccessToken(dan))).status, 200, 'a token signed after the change')
    assert.equal((await list(erin, await testAccessToken(erin))).status, 401, 'no token of a deleted account')
    // An older change read again (a redelivery, a replay from the start) never moves a user back.
    const db = new pg.Client(postgresSettings(serviceConfig({ TOPIC: topic, GROUP_ID: 'g', POSTGRES_DATABASE: database })))
    await db.connect()
    try {
      const state = async () => (await db.query('SELECT password_changed_at_ms::text AS changed, updated_at FROM user_token_states WHERE user_id = $1', [dan])).rows[0] as { changed: string, updated_at: Date }
      const recorded = await state()
      await producer.send([userChangeRecord(usersTopic, { op: 'u', userId: dan, passwordChangedAt: new Date(Date.now() - 60_000) })])
      await eventually(async () => assert.ok((await state()).updated_at > recorded.updated_at, 'the replayed event was handled'), 10_000)
      assert.equal((await state()).changed, recorded.changed)
      assert.equal((await list(dan, danBefore)).status, 401, 'still revoked')
    } finally {
      await db.end()
    }
  })

  it('HTTP: a webhook to loopback, private, link-local or unresolvable addresses is a 400 naming webhookUrl; a public address is accepted', async () => {
    const refused = ['http://127.0.0.1:9090/-/quit', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/',
      `http://localhost:${new URL(base).port}/`, 'http://nothing.invalid/', 'http://100.64.0.1/', 'http://[fe80::1]/']
    for (const webhookUrl of refused) {
      const res = await call('POST', '/subscriptions', { subscriberId: 'victor', authorId: 'vera', webhookUrl }, 'victor')
      assert.equal(res.status, 400, `${webhookUrl}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.field, 'webhookUrl', webhookUrl)
    }
    assert.deepEqual((await call('GET', '/subscriptions?subscriberId=victor', undefined, 'victor')).body.items, [], 'none stored')
    const accepted = await call('POST', '/subscriptions', { subscriberId: 'victor', authorId: 'vera', webhookUrl: 'http://93.184.215.14/' }, 'victor')
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body))
  })

  it('delivery: a stored webhook to an address now refused fails at once with its reason; a 302 is a failed attempt, not followed', async () => {
    // A subscription stored before the check existed (or whose host's address changed since).
    const client = new pg.Client(postgresSettings(serviceConfig({ TOPIC: topic, GROUP_ID: 'g', POSTGRES_DATABASE: database })))
    await client.connect()
    try {
      await client.query('INSERT INTO subscriptions (author_id, subscriber_id, webhook_url, webhook_secret) VALUES ($1, $2, $3, $4)', ['rhea', 'old-sub', 'http://127.0.0.1:9090/-/quit', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'])
    } finally {
      await client.end()
    }
    const redirecting = await receiver(() => 302)
    closers.push(redirecting.close)
    await subscribe('moved-sub', 'rhea', redirecting.url)
    await producer.send([postCreatedRecord(topic, { id: 300, authorId: 'rhea', title: 'Inside?' })])
    const [old] = await eventually(async () => {
      const mine = await notificationsOf('old-sub')
      assert.equal(mine[0]?.delivery?.state, 'failed')
      return mine
    })
    assert.equal(old?.delivery?.attempts, 1, 'not retried')
    assert.match(old?.delivery?.lastError ?? '', /^webhook address refused: 127\.0\.0\.1 is a loopback address/)
    const [moved] = await eventually(async () => {
      const mine = await notificationsOf('moved-sub')
      assert.ok((mine[0]?.delivery?.attempts ?? 0) >= 2)
      return mine
    })
    assert.equal(moved?.delivery?.state, 'pending', 'retried later')
    assert.equal(moved?.delivery?.lastError, 'webhook answered 302 (redirects are not followed)')
    assert.ok(redirecting.requests.length >= 2)
  })
})
