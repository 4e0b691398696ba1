// Seed 004's promise: with Kafka and Kafka Connect down, posts are still accepted, and once they
// are back every event arrives, through either relay.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, test } from 'node:test'
import { eventually, restoreStack, stopComponents } from '@ripple/testing'
import { assertExactlyOnce, cdcRelay, createPosts, notificationsOf, pollingRelay, subscribe } from './outbox.support.ts'
import type { Relay } from './outbox.support.ts'

after(restoreStack)

test('Kafka and Kafka Connect down: 100 posts per relay all answer 201, and every subscriber gets each once they are back', async t => {
  const run = randomBytes(4).toString('hex')
  const relays: Relay[] = [cdcRelay(), await pollingRelay()]
  try {
    const subscribers = [1, 2, 3].map(i => `e2e-${run}-down-s${i}`)
    const authorOf = (relay: Relay) => `e2e-${run}-down-${relay.name}`
    for (const relay of relays) for (const s of subscribers) await subscribe(s, authorOf(relay))

    await stopComponents(['kafka', 'connect'])
    const posts = (await Promise.all(relays.map(relay =>
      createPosts(relay, authorOf(relay), Array.from({ length: 100 }, (_, i) => `${authorOf(relay)} #${i}`))))).flat()
    assert.equal(posts.length, 200, 'every post answered 201 while Kafka was down')
    t.diagnostic(`notifications recorded while Kafka was down: ${(await notificationsOf(subscribers[0]!)).length}`)

    await restoreStack()
    await eventually(async () => {
      for (const s of subscribers) assert.equal((await notificationsOf(s)).length, 200, s)
    }, 60_000, 500)
    await assertExactlyOnce(subscribers, posts)
  } finally {
    await Promise.all(relays.map(r => r.stop()))
  }
})
