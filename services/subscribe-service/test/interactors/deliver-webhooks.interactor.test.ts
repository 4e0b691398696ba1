import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import { setImmediate as tick } from 'node:timers/promises'
import { idempotencyKeyOf } from '../../src/entities/notification.entity.ts'
import { makeDeliverWebhooks } from '../../src/interactors/deliver-webhooks.interactor.ts'
import type { WebhookDeliveryOptions } from '../../src/interactors/deliver-webhooks.interactor.ts'
import { makeRecordPostNotifications } from '../../src/interactors/notifications.interactor.ts'
import { makeSubscribe } from '../../src/interactors/subscribe.interactor.ts'
import { FakeClock, FakeWebhookAddresses, FakeWebhooks, InMemoryStore, notificationsOf, postEvent } from '../fakes/in-memory.ports.ts'
import { newWebhookSecret } from '../../src/adapters/webhook-signature.adapter.ts'

describe('webhook delivery', () => {
  let clock: FakeClock
  let store: InMemoryStore
  let hooks: FakeWebhooks
  const retry = { minMs: 1000, maxMs: 8000, maxAttempts: 4 }

  beforeEach(() => {
    clock = new FakeClock()
    store = new InMemoryStore(clock)
    hooks = new FakeWebhooks()
  })

  const worker = (options: Partial<WebhookDeliveryOptions> = {}) => makeDeliverWebhooks({
    queue: store, client: hooks, retry, concurrency: 4, leaseMs: 60_000, intervalMs: 1000, now: clock.now,
    onError: e => { throw e },
    // Naps end only on a wake or stop, so every claim in these tests is one the test caused.
    sleep: (_ms, signal) => new Promise(resolve => signal.addEventListener('abort', () => resolve(), { once: true })),
    ...options
  })

  async function notify (subscribers: Array<[string, string | null]>, events: number) {
    for (const [subscriberId, url] of subscribers) await makeSubscribe({ subscriptions: store, newSecret: newWebhookSecret, webhooks: new FakeWebhookAddresses() })({ subscriberId, authorId: 'alice', webhookUrl: url })
    const record = makeRecordPostNotifications({ notifications: notificationsOf(store) })
    for (let i = 1; i <= events; i++) await record(postEvent(`e${i}`, 'alice', i))
  }

  /** Claims whatever is due and delivers it, as one turn of the worker would. */
  async function turn (w: ReturnType<typeof worker>) {
    for (const due of await store.claimDue(10, 60_000)) await w.deliver(due)
  }

  it('POSTs the notification with its Idempotency-Key, marks it delivered, and never sends it again', async () => {
    await notify([['sam', 'http://hooks.test/sam']], 1)
    const w = worker()
    await turn(w)
    const [n] = store.notifications
    assert.equal(hooks.calls.length, 1)
    assert.equal(hooks.calls[0]!.key, idempotencyKeyOf(n!))
    assert.equal(hooks.calls[0]!.secret, store.subscriptions[0]?.webhookSecret, 'signed with the subscription\'s secret')
    assert.deepEqual(hooks.calls[0]!.body, { notificationId: n!.id, type: 'PostCreated', eventId: 'e1', subscriberId: 'sam', post: { id: 1, authorId: 'alice', title: 'Post 1', createdAt: '2026-03-01T09:00:00.000Z' } })
    assert.deepEqual([n!.delivery?.state, n!.delivery?.attempts], ['delivered', 1])
    clock.advance(3_600_000)
    await turn(w)
    assert.equal(hooks.calls.length, 1)
  })

  it('retries a failing receiver with exponential backoff, then delivers once', async () => {
    await notify([['sam', 'http://hooks.test/sam']], 1)
    hooks.failuresLeft.set('http://hooks.test/sam', 2)
    const w = worker()
    const n = store.notifications[0]!
    await turn(w)
    assert.equal(n.delivery?.nextAttemptAt?.getTime(), clock.ms + 1000)
    assert.equal(n.delivery?.lastError, 'webhook answered 500')
    clock.advance(999)
    await turn(w)
    assert.equal(hooks.calls.length, 1, 'not before the backoff ends')
    clock.advance(1)
    await turn(w)
    assert.equal(n.delivery?.nextAttemptAt?.getTime(), clock.ms + 2000, 'the second wait is twice the first')
    clock.advance(2000)
    await turn(w)
    assert.deepEqual([n.delivery?.state, n.delivery?.attempts, hooks.calls.length], ['delivered', 3, 3])
    assert.equal(new Set(hooks.calls.map(c => c.key)).size, 1, 'every attempt carries the same key')
  })

  it('gives up after the last attempt and marks the delivery failed', async () => {
    await notify([['sam', 'http://hooks.test/sam']], 1)
    hooks.failuresLeft.set('http://hooks.test/sam', 100)
    const w = worker()
    for (let i = 0; i < 6; i++) {
      await turn(w)
      clock.advance(retry.maxMs)
    }
    const d = store.notifications[0]!.delivery
    assert.deepEqual([d?.state, d?.attempts, d?.nextAttemptAt, hooks.calls.length], ['failed', 4, null, 4])
  })

  it('an address refused at delivery fails the delivery at once, its reason recorded, and is never tried again', async () => {
    await notify([['sam', 'http://hooks.test/sam']], 1)
    hooks.refused.add('http://hooks.test/sam')
    const w = worker()
    assert.equal(await w.deliver((await store.claimDue(10, 60_000))[0]!), 'failed')
    const d = store.notifications[0]!.delivery
    assert.deepEqual([d?.state, d?.attempts, d?.nextAttemptAt], ['failed', 1, null], 'the first attempt of four is the last')
    assert.match(d?.lastError ?? '', /^webhook address refused: hooks.test resolves to 127.0.0.1, a loopback address/)
    clock.advance(3_600_000)
    await turn(w)
    assert.equal(hooks.calls.length, 1)
  })

  it('a receiver that hangs holds one slot; the others are delivered meanwhile', async () => {
    await notify([['slow', 'http://hooks.test/slow'], ['a', 'http://hooks.test/a'], ['b', 'http://hooks.test/b'], ['c', null]], 3)
    hooks.hanging.add('http://hooks.test/slow')
    const w = worker({ concurrency: 2 })
    w.start()
    // 3 posts x 2 healthy receivers; the slow one's first delivery never ends until released.
    while (store.notifications.filter(n => n.delivery?.state === 'delivered').length < 6) await tick()
    assert.deepEqual(hooks.calls.filter(c => c.url === 'http://hooks.test/slow').length, 1)
    hooks.release()
    await w.stop()
    assert.equal(store.notifications.filter(n => n.subscriberId === 'c')[0]?.delivery, null, 'no webhook, no delivery')
  })

  it('a wake makes the worker look at once instead of at the end of its nap', async () => {
    const w = worker()
    w.start()
    while (store.claims === 0) await tick()
    await notify([['sam', 'http://hooks.test/sam']], 1)
    w.wake()
    while (hooks.calls.length === 0) await tick()
    await w.stop()
    assert.equal(store.notifications[0]!.delivery?.state, 'delivered')
  })
})
