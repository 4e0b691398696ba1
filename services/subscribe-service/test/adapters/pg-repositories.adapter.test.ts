// Integration: the PostgreSQL adapters against the real server, in a scratch database.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createLogger, openPostgresDatabase } from '@ripple/kit'
import type { Pool } from 'pg'
import { createPgDeliveryQueue } from '../../src/adapters/pg-delivery-repository.adapter.ts'
import { createPgNotificationRepository } from '../../src/adapters/pg-notification-repository.adapter.ts'
import { migrate } from '../../src/adapters/pg.schema.ts'
import { createPgSubscriptionRepository } from '../../src/adapters/pg-subscription-repository.adapter.ts'
import type { PostCreatedEvent } from '../../src/entities/post-event.entity.ts'
import { dropPostgresDatabase, postgresSettings, serviceConfig, unique } from '../stack.helpers.ts'

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

const event = (eventId: string, authorId: string, id: number): PostCreatedEvent => ({ eventId, post: { id, authorId, title: `Post ${id}`, createdAt: new Date('2026-03-01T10:00:00Z') } })

describe('PostgreSQL subscriptions, notifications and deliveries', () => {
  const database = unique('test_subscribe_pg_')
  let pool: Pool
  const subscriptions = () => createPgSubscriptionRepository(pool)
  const notifications = () => createPgNotificationRepository(pool)
  const queue = () => createPgDeliveryQueue(pool)

  before(async () => {
    pool = await openPostgresDatabase({ ...postgresSettings(serviceConfig({ TOPIC: 't', GROUP_ID: 'g', POSTGRES_DATABASE: database })), max: 10 }, createLogger('test', 'silent'))
    await migrate(pool)
    await migrate(pool)
  })
  after(async () => {
    await pool.end()
    await dropPostgresDatabase(database)
  })

  it('subscribes, tells a new subscription from an updated one, lists and unsubscribes', async () => {
    const repo = subscriptions()
    assert.equal((await repo.upsert({ subscriberId: 'sam', authorId: 'alice', webhookUrl: null, webhookSecret: null })).created, true)
    const again = await repo.upsert({ subscriberId: 'sam', authorId: 'alice', webhookUrl: 'http://hooks.test/sam', webhookSecret: SECRET })
    assert.deepEqual([again.created, again.subscription.webhookUrl], [false, 'http://hooks.test/sam'])
    assert.deepEqual((await repo.listBySubscriber('sam')).map(s => s.authorId), ['alice'])
    assert.equal(await repo.delete('sam', 'alice'), true)
    assert.equal(await repo.delete('sam', 'alice'), false)
  })

  it('records one notification per subscriber in the inbox\'s transaction; the same event again, even concurrently, changes nothing', async () => {
    const repo = subscriptions()
    await repo.upsert({ subscriberId: 'n1', authorId: 'nora', webhookUrl: null, webhookSecret: null })
    await repo.upsert({ subscriberId: 'n2', authorId: 'nora', webhookUrl: 'http://hooks.test/n2', webhookSecret: SECRET })
    const outcomes = await Promise.all([notifications().recordForSubscribers(event('ev-nora-1', 'nora', 1)), notifications().recordForSubscribers(event('ev-nora-1', 'nora', 1))])
    assert.deepEqual(outcomes.map(o => o.status).sort(), ['duplicate', 'processed'])
    assert.deepEqual(outcomes.find(o => o.status === 'processed'), { status: 'processed', notified: 2, webhooks: 1 })
    const { rows } = await pool.query("SELECT subscriber_id, delivery_state FROM notifications WHERE event_id = 'ev-nora-1' ORDER BY subscriber_id")
    assert.deepEqual(rows, [{ subscriber_id: 'n1', delivery_state: null }, { subscriber_id: 'n2', delivery_state: 'pending' }])
    const page = await notifications().listBySubscriber('n2', { limit: 10, offset: 0 })
    assert.deepEqual([page.total, page.items[0]?.delivery?.state, page.items[0]?.postId], [1, 'pending', 1])
  })

  it('a delivery carries the secret of the subscription it was recorded for; the secret is never listed', async () => {
    await subscriptions().upsert({ subscriberId: 'sig-s', authorId: 'sig-a', webhookUrl: 'http://hooks.test/sig', webhookSecret: 'whsec_c2lnbmVk' })
    await notifications().recordForSubscribers(event('ev-sig-1', 'sig-a', 1))
    const due = (await queue().claimDue(100, 60_000, [])).filter(d => d.notification.eventId === 'ev-sig-1')
    assert.deepEqual(due.map(d => d.secret), ['whsec_c2lnbmVk'])
    assert.ok(!JSON.stringify(await subscriptions().listBySubscriber('sig-s')).includes('whsec_'))
    assert.ok(!JSON.stringify(await notifications().listBySubscriber('sig-s', { limit: 10, offset: 0 })).includes('whsec_'))
  })

  it('the migration gives a subscription from before signed webhooks a secret, and its pending deliveries too', async () => {
    await pool.query("INSERT INTO subscriptions (author_id, subscriber_id, webhook_url) VALUES ('old-a', 'old-s', 'http://hooks.test/old'), ('old-a', 'old-t', NULL)")
    await notifications().recordForSubscribers(event('ev-old-1', 'old-a', 1))
    await migrate(pool)
    const { rows } = await pool.query("SELECT subscriber_id, webhook_secret FROM subscriptions WHERE author_id = 'old-a' ORDER BY subscriber_id")
    assert.match(rows[0]?.webhook_secret, /^whsec_[A-Za-z0-9+/]{43}=$/)
    assert.equal(rows[1]?.webhook_secret, null, 'no webhook, no secret')
    const due = (await queue().claimDue(100, 60_000, [])).filter(d => d.notification.eventId === 'ev-old-1')
    assert.deepEqual(due.map(d => d.secret), [rows[0]?.webhook_secret])
  })

  it('claims due deliveries with a lease, one per receiver, never the same row twice at once, none of a busy receiver', async () => {
    const repo = subscriptions()
    for (let s = 0; s < 6; s++) await repo.upsert({ subscriberId: `q${s}`, authorId: 'quinn', webhookUrl: `http://hooks.test/q${s}`, webhookSecret: SECRET })
    for (let p = 1; p <= 2; p++) await notifications().recordForSubscribers(event(`ev-quinn-${p}`, 'quinn', p))
    // 12 pending deliveries to 6 receivers; claims from two workers at once.
    const [a, b] = await Promise.all([queue().claimDue(3, 60_000, []), queue().claimDue(3, 60_000, ['http://hooks.test/q5'])])
    const claimed = [...a, ...b]
    assert.equal(new Set(claimed.map(d => d.notification.id)).size, claimed.length, 'no row claimed by both')
    assert.ok(claimed.every(d => d.attempt === 1))
    assert.equal(new Set(a.map(d => d.notification.delivery.webhookUrl)).size, a.length, 'one per receiver in a claim')
    assert.ok(!b.some(d => d.notification.delivery.webhookUrl === 'http://hooks.test/q5'), 'a busy receiver is skipped')
    const rest = await queue().claimDue(100, 60_000, [])
    assert.ok(rest.every(d => !claimed.some(c => c.notification.id === d.notification.id)), 'leased rows stay hidden')
    assert.ok(rest.length <= 6)
  })

  it('records an outcome only for the latest claim, and a delivered notification is never claimed again', async () => {
    await subscriptions().upsert({ subscriberId: 'r1', authorId: 'rita', webhookUrl: 'http://hooks.test/r1', webhookSecret: SECRET })
    await notifications().recordForSubscribers(event('ev-rita-1', 'rita', 1))
    const [first] = (await queue().claimDue(100, 60_000, [])).filter(d => d.notification.eventId === 'ev-rita-1')
    const id = first!.notification.id
    // Its lease runs out (its worker presumed dead): another worker claims it (attempt 2) while the first is still at it.
    await pool.query('UPDATE notifications SET next_attempt_at = now() - interval \'1 second\' WHERE id = $1', [id])
    const [second] = (await queue().claimDue(100, 60_000, [])).filter(d => d.notification.id === id)
    assert.equal(second?.attempt, 2)
    await queue().scheduleRetry(id, 1, new Date('2030-01-01T00:00:00Z'), 'stale failure')
    await queue().markFailed(id, 1, 'stale failure')
    let { rows } = await pool.query('SELECT delivery_state, last_error FROM notifications WHERE id = $1', [id])
    assert.deepEqual(rows[0], { delivery_state: 'pending', last_error: null }, 'a stale claim cannot record a failure')
    await queue().markDelivered(id)
    await pool.query('UPDATE notifications SET next_attempt_at = now() - interval \'1 hour\' WHERE id = $1', [id])
    assert.ok(!(await queue().claimDue(100, 60_000, [])).some(d => d.notification.id === id));
    ({ rows } = await pool.query('SELECT delivery_state, attempts FROM notifications WHERE id = $1', [id]))
    assert.deepEqual(rows[0], { delivery_state: 'delivered', attempts: 2 })
  })

  /** The pool with each of its query and connect calls going through `through` first. */
  const poolThrough = (through: (method: 'query' | 'connect', call: () => unknown) => unknown): Pool => new Proxy(pool, {
    get (target, property) {
      const value: unknown = Reflect.get(target, property)
      if (typeof value !== 'function') return value
      const bound = (value as (...a: unknown[]) => unknown).bind(target)
      return property === 'query' || property === 'connect' ? (...args: unknown[]) => through(property, () => bound(...args)) : bound
    }
  })
  /** The pool, counting what goes to the server: statements on it and connections taken for transactions. */
  const countingPool = () => {
    const seen = { statements: 0 }
    return { pool: poolThrough((_method, call) => { seen.statements++; return call() }), seen }
  }

  it('records events handed over together in one statement; each call learns its own outcome, a repeat in the batch is a duplicate', async () => {
    const repo = subscriptions()
    for (let a = 0; a < 20; a++) {
      await repo.upsert({ subscriberId: `b${a}`, authorId: `batch-author-${a}`, webhookUrl: null, webhookSecret: null })
      if (a % 2 === 0) await repo.upsert({ subscriberId: `w${a}`, authorId: `batch-author-${a}`, webhookUrl: `http://hooks.test/w${a}`, webhookSecret: SECRET })
    }
    await notifications().recordForSubscribers(event('ev-batch-old', 'batch-author-0', 100))
    const { pool: counting, seen } = countingPool()
    const batched = createPgNotificationRepository(counting)
    const events = Array.from({ length: 20 }, (_, a) => event(`ev-batch-${a}`, `batch-author-${a}`, a + 1))
    // Twenty new events, one of them twice, and one the inbox already holds, all at once.
    const outcomes = await Promise.all([...events, events[3]!, event('ev-batch-old', 'batch-author-0', 100)].map(e => batched.recordForSubscribers(e)))
    // The event handed over twice goes in a second statement of its own, which the inbox answers as a duplicate.
    assert.equal(seen.statements, 2, 'one statement for the batch, one more for its repeat')
    assert.deepEqual(outcomes.slice(0, 20), events.map((_, a) => ({ status: 'processed', notified: a % 2 === 0 ? 2 : 1, webhooks: a % 2 === 0 ? 1 : 0 })))
    assert.deepEqual(outcomes.slice(20), [{ status: 'duplicate', notified: 0, webhooks: 0 }, { status: 'duplicate', notified: 0, webhooks: 0 }])
    const { rows } = await pool.query<{ event_id: string, n: string }>("SELECT event_id, count(*) AS n FROM notifications WHERE event_id LIKE 'ev-batch-%' GROUP BY event_id")
    assert.equal(rows.length, 21)
    assert.ok(rows.every(r => Number(r.n) === (['ev-batch-old', ...events.filter((_, a) => a % 2 === 0).map(e => e.eventId)].includes(r.event_id) ? 2 : 1)), 'no notification twice, none missing')
  })

  it('keeps an author\'s notifications in the order of its events while many authors\' events go together', async () => {
    const repo = subscriptions()
    for (let a = 0; a < 5; a++) await repo.upsert({ subscriberId: `ord-s${a}`, authorId: `ord-a${a}`, webhookUrl: null, webhookSecret: null })
    const { pool: counting, seen } = countingPool()
    const batched = createPgNotificationRepository(counting)
    // As the consumer runs them: each author's events one after the other, the authors at once.
    await Promise.all(Array.from({ length: 5 }, async (_, a) => {
      for (let p = 1; p <= 10; p++) assert.equal((await batched.recordForSubscribers(event(`ev-ord-${a}-${p}`, `ord-a${a}`, p))).status, 'processed')
    }))
    assert.ok(seen.statements < 50, `the authors' events shared statements (${seen.statements} for 50 events)`)
    for (let a = 0; a < 5; a++) {
      const page = await notifications().listBySubscriber(`ord-s${a}`, { limit: 100, offset: 0 })
      assert.deepEqual(page.items.map(n => n.postId), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    }
  })

  it('an event the database refuses fails only its own call; the others of its batch are recorded once', async () => {
    const repo = subscriptions()
    for (let a = 0; a < 4; a++) await repo.upsert({ subscriberId: `poison-s${a}`, authorId: `poison-a${a}`, webhookUrl: null, webhookSecret: null })
    const { pool: counting } = countingPool()
    const batched = createPgNotificationRepository(counting)
    // PostgreSQL text cannot hold NUL: the statement carrying this title fails as a whole.
    const poison = { eventId: 'ev-poison-bad', post: { id: 1, authorId: 'poison-a0', title: 'bad \u0000 title', createdAt: new Date() } }
    const good = [1, 2, 3].map(a => event(`ev-poison-${a}`, `poison-a${a}`, a))
    const settled = await Promise.allSettled([poison, ...good].map(e => batched.recordForSubscribers(e)))
    assert.equal(settled[0]!.status, 'rejected')
    assert.deepEqual(settled.slice(1).map(s => s.status === 'fulfilled' ? s.value.status : 'rejected'), ['processed', 'processed', 'processed'])
    const { rows } = await pool.query<{ event_id: string }>("SELECT event_id FROM inbox WHERE event_id LIKE 'ev-poison-%' ORDER BY event_id")
    assert.deepEqual(rows.map(r => r.event_id), ['ev-poison-1', 'ev-poison-2', 'ev-poison-3'], 'the refused event is not in the inbox, so its retry records it')
    const { rows: notified } = await pool.query<{ n: string }>("SELECT count(*) AS n FROM notifications WHERE event_id LIKE 'ev-poison-%'")
    assert.equal(Number(notified[0]!.n), 3)
  })

  it('a failure that is not the data\'s (the database away) fails the whole batch at once and writes nothing; the retry records each once', async () => {
    const repo = subscriptions()
    for (let a = 0; a < 3; a++) await repo.upsert({ subscriberId: `away-s${a}`, authorId: `away-a${a}`, webhookUrl: null, webhookSecret: null })
    let calls = 0
    const failingOnce = poolThrough((method, call) => method === 'query' && calls++ === 0 ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) : call())
    const batched = createPgNotificationRepository(failingOnce)
    const events = [0, 1, 2].map(a => event(`ev-away-${a}`, `away-a${a}`, a + 1))
    const first = await Promise.allSettled(events.map(e => batched.recordForSubscribers(e)))
    assert.deepEqual(first.map(s => s.status), ['rejected', 'rejected', 'rejected'])
    assert.equal(calls, 1, 'no statement per event while the database is away')
    const retried = await Promise.all(events.map(e => batched.recordForSubscribers(e)))
    assert.deepEqual(retried.map(o => o.status), ['processed', 'processed', 'processed'])
    const { rows } = await pool.query<{ n: string }>("SELECT count(*) AS n FROM notifications WHERE event_id LIKE 'ev-away-%'")
    assert.equal(Number(rows[0]!.n), 3)
  })
})
