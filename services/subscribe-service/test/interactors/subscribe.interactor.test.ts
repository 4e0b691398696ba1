import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import { InvalidSubscriptionError, SubscriptionNotFoundError } from '../../src/entities/subscription.errors.ts'
import { makeListSubscriptions, makeSubscribe, makeUnsubscribe } from '../../src/interactors/subscribe.interactor.ts'
import { FakeWebhookAddresses, InMemoryStore } from '../fakes/in-memory.ports.ts'
import { newWebhookSecret } from '../../src/adapters/webhook-signature.adapter.ts'

describe('subscriptions', () => {
  let store: InMemoryStore
  beforeEach(() => { store = new InMemoryStore() })

  it('subscribes once; subscribing again keeps it and replaces the webhook', async () => {
    const subscribe = makeSubscribe({ subscriptions: store, newSecret: newWebhookSecret, webhooks: new FakeWebhookAddresses() })
    const first = await subscribe({ subscriberId: 'sam', authorId: 'alice', webhookUrl: null })
    assert.ok(first.ok)
    assert.equal(first.value.created, true)
    const again = await subscribe({ subscriberId: 'sam', authorId: 'alice', webhookUrl: 'http://hooks.test/sam' })
    assert.ok(again.ok)
    assert.equal(again.value.created, false)
    assert.equal(again.value.subscription.webhookUrl, 'http://hooks.test/sam')
    assert.deepEqual((await makeListSubscriptions({ subscriptions: store })('sam')).map(s => [s.authorId, s.webhookUrl]), [['alice', 'http://hooks.test/sam']])
  })

  it('a webhook gets a new whsec_ secret of 32 random bytes, answered once and never listed; subscribing again rotates it; no webhook, no secret', async () => {
    const subscribe = makeSubscribe({ subscriptions: store, newSecret: newWebhookSecret, webhooks: new FakeWebhookAddresses() })
    const first = await subscribe({ subscriberId: 'sam', authorId: 'alice', webhookUrl: 'http://hooks.test/sam' })
    assert.ok(first.ok)
    const secret = first.value.webhookSecret
    assert.match(secret ?? '', /^whsec_[A-Za-z0-9+/]{43}=$/)
    assert.equal(Buffer.from(secret!.slice('whsec_'.length), 'base64').length, 32)
    assert.equal(store.subscriptions[0]?.webhookSecret, secret, 'stored, so deliveries can be signed')
    assert.ok(!JSON.stringify(await makeListSubscriptions({ subscriptions: store })('sam')).includes(secret!), 'never listed')
    assert.ok(!JSON.stringify(first.value.subscription).includes(secret!))
    const again = await subscribe({ subscriberId: 'sam', authorId: 'alice', webhookUrl: 'http://hooks.test/sam' })
    assert.ok(again.ok && again.value.webhookSecret !== null && again.value.webhookSecret !== secret)
    const none = await subscribe({ subscriberId: 'sam', authorId: 'bob', webhookUrl: null })
    assert.ok(none.ok && none.value.webhookSecret === null)
  })

  it('refuses following oneself and stores nothing', async () => {
    const result = await makeSubscribe({ subscriptions: store, newSecret: newWebhookSecret, webhooks: new FakeWebhookAddresses() })({ subscriberId: 'alice', authorId: 'alice', webhookUrl: null })
    assert.ok(!result.ok)
    assert.ok(result.error instanceof InvalidSubscriptionError)
    assert.equal(result.error.field, 'authorId')
    assert.equal(store.subscriptions.length, 0)
  })

  it('refuses a webhook URL the address policy refuses, naming webhookUrl, and stores nothing; no webhook asks nothing', async () => {
    const webhooks = new FakeWebhookAddresses()
    webhooks.refused.set('http://inside.test/', 'webhookUrl is refused: inside.test resolves to 10.0.0.1, a private address')
    const subscribe = makeSubscribe({ subscriptions: store, newSecret: newWebhookSecret, webhooks })
    const result = await subscribe({ subscriberId: 'sam', authorId: 'alice', webhookUrl: 'http://inside.test/' })
    assert.ok(!result.ok)
    assert.ok(result.error instanceof InvalidSubscriptionError)
    assert.equal(result.error.field, 'webhookUrl')
    assert.match(result.error.message, /10\.0\.0\.1, a private address/)
    assert.equal(store.subscriptions.length, 0)
    assert.ok((await subscribe({ subscriberId: 'sam', authorId: 'alice', webhookUrl: null })).ok)
  })

  it('unsubscribes, and answers SubscriptionNotFoundError for a subscription that is not there', async () => {
    await makeSubscribe({ subscriptions: store, newSecret: newWebhookSecret, webhooks: new FakeWebhookAddresses() })({ subscriberId: 'sam', authorId: 'alice', webhookUrl: null })
    const unsubscribe = makeUnsubscribe({ subscriptions: store })
    assert.ok((await unsubscribe('sam', 'alice')).ok)
    const again = await unsubscribe('sam', 'alice')
    assert.ok(!again.ok)
    assert.ok(again.error instanceof SubscriptionNotFoundError)
  })
})
