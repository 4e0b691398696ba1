// Seed 004's promise: with Kafka and Kafka Connect down, posts are still accepted, and once they
// are back every event arrives, through either relay.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, test } from 'node:test'
import { eventually, restoreStack, stopComponents } from '@ripple/testing'
import { assertInFlight } from './faults.support.ts'
import { assertExactlyOnce, cdcRelay, createPosts, notificationsOf, pollingRelay, recordedNotifications, subscribe } from './outbox.support.ts'
import type { Relay } from './outbox.support.ts'

after(restoreStack)

test('Kafka and Kafka Connect go down mid-burst: 100 posts per relay all answer 201, and every subscriber gets each once they are back', async t => {
  const run = randomBytes(4).toString('hex')
  const relays: Relay[] = [cdcRelay(), await pollingRelay()]
  try {
    const subscribers = [1, 2, 3].map(i => `e2e-${run}-down-s${i}`)
    const authorOf = (relay: Relay) => `e2e-${run}-down-${relay.name}`
    const titles = (relay: Relay, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${authorOf(relay)} #${from + i}`)
    for (const relay of relays) for (const s of subscribers) await subscribe(s, authorOf(relay))
    const expected = subscribers.length * 200

    // The first 20 of each relay, one every 1.5 s, are on their way when Kafka goes; the other 80 are written while it is down.
    const early = Promise.all(relays.map(relay => createPosts(relay, authorOf(relay), titles(relay, 0, 20), 1, 1500)))
    await eventually(async () => assert.ok(await recordedNotifications(subscribers) >= 3), 60_000, 20)
    await stopComponents(['kafka', 'connect'])
    // Both are gone: nothing more can be delivered until they are back.
    const atStop = await recordedNotifications(subscribers)
    t.diagnostic(`Kafka and Connect stopped with ${atStop} of ${expected} notifications recorded`)
    assertInFlight('notifications of the first 20 posts of each relay', atStop, subscribers.length * 2 * 20)
    const late = await Promise.all(relays.map(relay => createPosts(relay, authorOf(relay), titles(relay, 20, 100))))
    const posts = [...(await early).flat(), ...late.flat()]
    assert.equal(posts.length, 200, 'every post answered 201, most of them while Kafka was down')
    const lateTitles = new Set(late.flat().map(p => p.title))
    const duringOutage = await notificationsOf(subscribers[0]!)
    assert.equal(duringOutage.filter(n => lateTitles.has(n.post.title)).length, 0, 'nothing written during the outage was delivered before Kafka was back')

    await restoreStack()
    // The promise has no deadline, only "once they are back": after a broker restart the stack's
    // consumer has needed from a few seconds up to ~2 minutes to fetch again (a CI run saw 110 s).
    await eventually(async () => {
      for (const s of subscribers) assert.equal((await notificationsOf(s)).length, 200, s)
    }, 240_000, 500)
    await assertExactlyOnce(subscribers, posts)
    assert.equal(await recordedNotifications(subscribers), expected, 'none missing, none doubled')
  } finally {
    await Promise.all(relays.map(r => r.stop()))
  }
})
