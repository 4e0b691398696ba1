// Seed 004 end to end: posts reach subscribers through the transactional outbox, carried by
// Debezium's EventRouter (the stack's post-service) or by post-service's own polling relay (an
// instance of the test's own), into the stack's subscribe-service.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { Webhook, WebhookVerificationError } from 'standardwebhooks'
import { assertJsonError, callJson, eventually, readTopic, testAccessToken, topicEndOffsets } from '@ripple/testing'
import { assertExactlyOnce, cdcRelay, createPost, createPosts, notificationsOf, pollingRelay, refuseEventsAfterPost, storedFor, subscribe, subscribeUrl, webhookReceiver } from './outbox.support.ts'
import type { PostJson, Relay } from './outbox.support.ts'

const TOPIC = 'outbox.event.post'
const run = randomBytes(4).toString('hex')
const relays: Relay[] = []

before(async () => { relays.push(cdcRelay(), await pollingRelay()) })
after(async () => { await Promise.all(relays.map(r => r.stop())) })

for (const name of ['cdc', 'polling'] as const) {
  describe(`outbox with the ${name} relay`, () => {
    const relay = () => relays.find(r => r.name === name)!
    const id = (what: string) => `e2e-${run}-${name}-${what}`

    it('every subscriber gets exactly one notification per post, in the order the author wrote them', async () => {
      const author = id('author')
      const subscribers = [id('s1'), id('s2'), id('s3')]
      for (const s of subscribers) await subscribe(s, author)
      // One at a time, so the order is the author's; then a burst.
      const posts: PostJson[] = []
      for (let i = 0; i < 10; i++) posts.push((await createPost(relay(), author, `${author} #${i}`)).body)
      posts.push(...await createPosts(relay(), author, Array.from({ length: 40 }, (_, i) => `${author} burst #${i}`)))
      await eventually(async () => assert.equal((await notificationsOf(subscribers[2]!)).length, 50), 60_000, 250)
      await assertExactlyOnce(subscribers, posts)
      for (const s of subscribers) {
        const inOrder = (await notificationsOf(s)).map(n => n.post.title).slice(0, 10)
        assert.deepEqual(inOrder, posts.slice(0, 10).map(p => p.title), `${s}: the first ten in the order written`)
      }
    })

    it('a post whose transaction fails after the post was written (the outbox insert refused) is a 500, with no post and no event', async () => {
      const author = id('failing')
      const subscriber = id('watcher')
      await subscribe(subscriber, author)
      const allow = await refuseEventsAfterPost(relay().database, author)
      try {
        const failed = await createPost(relay(), author, `${author} refused`)
        assert.equal(failed.status, 500, JSON.stringify(failed.body))
        assert.deepEqual(await storedFor(relay().database, author), { posts: 0, events: 0 }, 'the post written before the refusal was rolled back with it')
      } finally {
        await allow()
      }
      // One author's events keep their order: once the next post is notified, an event of the failed one would have been too.
      const next = await createPost(relay(), author, `${author} after`)
      assert.equal(next.status, 201)
      await eventually(async () => assert.equal((await notificationsOf(subscriber)).length, 1), 60_000, 250)
      assert.deepEqual((await notificationsOf(subscriber)).map(n => n.post.title), [`${author} after`])
      assert.equal((await storedFor(relay().database, author)).posts, 1)
    })

    it('a webhook that fails twice then succeeds receives each notification exactly once, by its Idempotency-Key', async () => {
      const author = id('hooked')
      const subscriber = id('hook')
      const requests: Array<{ key: string, status: number }> = []
      // At the one address the stack's subscribe-service may deliver to (WEBHOOK_ALLOWED_HOSTS);
      // closed at the end of the test, so the other relay's run can listen there next.
      const hook = await webhookReceiver(app => app.post('/hook', async (req, reply) => {
        const key = String(req.headers['idempotency-key'])
        const status = requests.filter(r => r.key === key).length < 2 ? 500 : 204
        requests.push({ key, status })
        return reply.status(status).send()
      }))
      try {
        await subscribe(subscriber, author, `${hook.url}/hook`)
        const posts = await createPosts(relay(), author, Array.from({ length: 5 }, (_, i) => `${author} #${i}`))
        const delivered = await eventually(async () => {
          const mine = await notificationsOf(subscriber)
          assert.equal(mine.filter(n => n.delivery?.state === 'delivered').length, 5)
          return mine
        }, 60_000, 250)
        assert.deepEqual(delivered.map(n => n.post.title).sort(), posts.map(p => p.title).sort())
        const keys = [...new Set(requests.map(r => r.key))]
        assert.equal(keys.length, 5)
        for (const key of keys) assert.deepEqual(requests.filter(r => r.key === key).map(r => r.status), [500, 500, 204], key)
      } finally {
        await hook.close()
      }
    })
  })
}

it('a webhook is signed per Standard Webhooks: the standardwebhooks package verifies it with the secret from the subscribe answer, and refuses a tampered body', async () => {
  const author = `e2e-${run}-signed`
  const subscriber = `e2e-${run}-verifier`
  const received: Array<{ body: string, headers: Record<string, string> }> = []
  const hook = await webhookReceiver(app => {
    // The body exactly as sent: the signature covers its bytes.
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body))
    app.post('/signed', async (req, reply) => {
      const h = req.headers
      received.push({ body: req.body as string, headers: { 'webhook-id': String(h['webhook-id']), 'webhook-timestamp': String(h['webhook-timestamp']), 'webhook-signature': String(h['webhook-signature']) } })
      return reply.status(204).send()
    })
  })
  try {
    const { webhookSecret } = await subscribe(subscriber, author, `${hook.url}/signed`)
    assert.match(webhookSecret ?? '', /^whsec_[A-Za-z0-9+/]+=*$/)
    const listed = await callJson(`${subscribeUrl}/subscriptions?subscriberId=${subscriber}`, 'GET', undefined, { token: await testAccessToken(subscriber) })
    assert.ok(!JSON.stringify(listed.body).includes(webhookSecret!), 'shown once: the listing never has it')
    const post = (await createPost(relays.find(r => r.name === 'cdc')!, author, `${author} signed`)).body
    await eventually(() => assert.equal(received.length, 1), 60_000, 250)
    const [delivery] = received
    const verified = new Webhook(webhookSecret!).verify(delivery!.body, delivery!.headers) as { post: { id: number, title: string } }
    assert.deepEqual([verified.post.id, verified.post.title], [post.id, post.title])
    assert.ok((delivery!.headers['webhook-id'] ?? '').length > 0)
    const tampered = delivery!.body.replace(`${author} signed`, `${author} signeD`)
    assert.notEqual(tampered, delivery!.body)
    assert.throws(() => new Webhook(webhookSecret!).verify(tampered, delivery!.headers), WebhookVerificationError)
    assert.throws(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(delivery!.body, delivery!.headers), WebhookVerificationError, 'another secret does not verify it')
  } finally {
    await hook.close()
  }
})

it('both relays publish the same record: topic, key, headers, JSON value and timestamp', async () => {
  const from = await topicEndOffsets(TOPIC)
  const author = `e2e-${run}-same`
  const made: PostJson[] = []
  for (const relay of relays) made.push((await createPost(relay, author, `${author} via ${relay.name}`)).body)
  const records = await readTopic(TOPIC, r => r.filter(x => x.key === author).length >= 2, 60_000, from)
  const [cdc, polling] = made.map(p => records.find(r => r.key === author && JSON.parse(r.value!).title === p.title)!)
  for (const [record, post] of [[cdc, made[0]], [polling, made[1]]] as const) {
    assert.ok(record, `${post?.title} published`)
    assert.deepEqual(JSON.parse(record.value!), post, 'the value is the post as JSON, not an escaped string')
    assert.deepEqual(Object.keys(record.headers).sort(), ['eventType', 'id'])
    assert.equal(record.headers.eventType, 'PostCreated')
    assert.equal(record.timestamp, BigInt(Date.parse(post!.createdAt)))
  }
  assert.equal(cdc!.partition, polling!.partition, 'the same key lands on the same partition')
  assert.notEqual(cdc!.headers.id, polling!.headers.id)
})

it('the stack\'s subscribe-service serves a subscriber\'s own token only, and refuses webhooks that reach inside', async () => {
  const subscriber = `e2e-${run}-guarded`
  const token = await testAccessToken(subscriber)
  const body = { subscriberId: subscriber, authorId: `e2e-${run}-someone` }
  assertJsonError(await callJson(`${subscribeUrl}/subscriptions`, 'POST', body), 401, 'authorization')
  assertJsonError(await callJson(`${subscribeUrl}/subscriptions`, 'POST', body, { token: await testAccessToken(`e2e-${run}-mallory`) }), 403, 'subscriberId')
  assertJsonError(await callJson(`${subscribeUrl}/notifications?subscriberId=${subscriber}`, 'GET'), 401, 'authorization')
  assertJsonError(await callJson(`${subscribeUrl}/notifications?subscriberId=${subscriber}`, 'GET', undefined, { token: await testAccessToken(`e2e-${run}-mallory`) }), 403, 'subscriberId')
  for (const webhookUrl of ['http://127.0.0.1:9090/-/quit', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://localhost:9090/-/quit', 'http://nothing.invalid/']) {
    assertJsonError(await callJson(`${subscribeUrl}/subscriptions`, 'POST', { ...body, webhookUrl }, { token }), 400, 'webhookUrl')
  }
  assert.deepEqual((await callJson(`${subscribeUrl}/subscriptions?subscriberId=${subscriber}`, 'GET', undefined, { token })).body.items, [], 'none stored')
})
