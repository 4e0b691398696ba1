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
    assert.equal((await repo.upsert({ subscriberId: 'sam', authorId: 'alice', webhookUrl: null })).created, true)
    const again = await repo.upsert({ subscriberId: 'sam', authorId: 'alice', webhookUrl: 'http://hooks.test/sam' })
    assert.deepEqual([again.created, again.subscription.webhookUrl], [false, 'http://hooks.test/sam'])
    assert.deepEqual((await repo.listBySubscriber('sam')).map(s => s.authorId), ['alice'])
    assert.equal(await repo.delete('sam', 'alice'), true)
    assert.equal(await repo.delete('sam', 'alice'), false)
  })

  it('records one notification per subscriber in the inbox\'s transaction; the same event again, even concurrently, changes nothing', async () => {
    const repo = subscriptions()
    await repo.upsert({ subscriberId: 'n1', authorId: 'nora', webhookUrl: null })
    await repo.upsert({ subscriberId: 'n2', authorId: 'nora', webhookUrl: 'http://hooks.test/n2' })
    const outcomes = await Promise.all([notifications().recordForSubscribers(event('ev-nora-1', 'nora', 1)), notifications().recordForSubscribers(event('ev-nora-1', 'nora', 1))])
    assert.deepEqual(outcomes.map(o => o.status).sort(), ['duplicate', 'processed'])
    assert.deepEqual(outcomes.find(o => o.status === 'processed'), { status: 'processed', notified: 2, webhooks: 1 })
    const { rows } = await pool.query("SELECT subscriber_id, delivery_state FROM notifications WHERE event_id = 'ev-nora-1' ORDER BY subscriber_id")
    assert.deepEqual(rows, [{ subscriber_id: 'n1', delivery_state: null }, { subscriber_id: 'n2', delivery_state: 'pending' }])
    const page = await notifications().listBySubscriber('n2', { limit: 10, offset: 0 })
    assert.deepEqual([page.total, page.items[0]?.delivery?.state, page.items[0]?.postId], [1, 'pending', 1])
  })

  it('claims due deliveries with a lease, one per receiver, never the same row twice at once, none of a busy receiver', async () => {
    const repo = subscriptions()
    for (let s = 0; s < 6; s++) await repo.upsert({ subscriberId: `q${s}`, authorId: 'quinn', webhookUrl: `http://hooks.test/q${s}` })
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
    await subscriptions().upsert({ subscriberId: 'r1', authorId: 'rita', webhookUrl: 'http://hooks.test/r1' })
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
})
