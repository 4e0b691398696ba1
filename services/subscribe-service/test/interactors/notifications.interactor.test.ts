import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import { makeListNotifications, makeRecordPostNotifications } from '../../src/interactors/notifications.interactor.ts'
import { makeSubscribe, makeUnsubscribe } from '../../src/interactors/subscribe.interactor.ts'
import { FakeWebhookAddresses, InMemoryStore, notificationsOf, postEvent } from '../fakes/in-memory.ports.ts'
import { newWebhookSecret } from '../../src/adapters/webhook-signature.adapter.ts'

describe('post notifications', () => {
  let store: InMemoryStore
  const follow = (subscriberId: string, authorId: string, webhookUrl: string | null = null) => makeSubscribe({ subscriptions: store, newSecret: newWebhookSecret, webhooks: new FakeWebhookAddresses() })({ subscriberId, authorId, webhookUrl })

  beforeEach(() => { store = new InMemoryStore() })

  it('records one notification per current subscriber of the author, and none for others', async () => {
    await follow('sam', 'alice')
    await follow('kim', 'alice', 'http://hooks.test/kim')
    await follow('lee', 'bob')
    const record = makeRecordPostNotifications({ notifications: notificationsOf(store) })
    assert.deepEqual(await record(postEvent('e1', 'alice')), { status: 'processed', notified: 2, webhooks: 1 })
    assert.deepEqual(store.notifications.map(n => [n.subscriberId, n.eventId, n.delivery?.state ?? null]), [['sam', 'e1', null], ['kim', 'e1', 'pending']])
  })

  it('changes nothing when the same event comes again', async () => {
    await follow('sam', 'alice')
    const record = makeRecordPostNotifications({ notifications: notificationsOf(store) })
    await record(postEvent('e1', 'alice'))
    // A later subscriber does not make a redelivered event count again.
    await follow('kim', 'alice')
    assert.deepEqual(await record(postEvent('e1', 'alice')), { status: 'duplicate', notified: 0, webhooks: 0 })
    assert.equal(store.notifications.length, 1)
  })

  it('an unsubscribed subscriber gets nothing of later posts', async () => {
    await follow('sam', 'alice')
    const record = makeRecordPostNotifications({ notifications: notificationsOf(store) })
    await record(postEvent('e1', 'alice', 1))
    await makeUnsubscribe({ subscriptions: store })('sam', 'alice')
    await record(postEvent('e2', 'alice', 2))
    const page = await makeListNotifications({ notifications: notificationsOf(store) })('sam', { limit: 10, offset: 0 })
    assert.deepEqual([page.total, page.items.map(n => n.postId)], [1, [1]])
  })

  it('lists a subscriber\'s notifications a page at a time', async () => {
    await follow('sam', 'alice')
    const record = makeRecordPostNotifications({ notifications: notificationsOf(store) })
    for (let i = 1; i <= 5; i++) await record(postEvent(`e${i}`, 'alice', i))
    const list = makeListNotifications({ notifications: notificationsOf(store) })
    const page = await list('sam', { limit: 2, offset: 2 })
    assert.deepEqual([page.limit, page.offset, page.total, page.items.map(n => n.postId)], [2, 2, 5, [3, 4]])
  })
})
