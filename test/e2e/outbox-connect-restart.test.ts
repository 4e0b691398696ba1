// Kafka Connect restarted mid-burst: Debezium resumes from its last flushed binlog offset and may
// publish some events again; subscribe-service's inbox absorbs the copies.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, test } from 'node:test'
import { eventually, readTopic, restoreStack, stopComponents, topicEndOffsets } from '@ripple/testing'
import { assertExactlyOnce, cdcRelay, createPosts, notificationsOf, recordedNotifications, subscribe } from './outbox.support.ts'
import { assertInFlight } from './faults.support.ts'

after(restoreStack)

test('Kafka Connect restarted during a burst of 500 posts: nothing lost, nothing doubled', async t => {
  const run = randomBytes(4).toString('hex')
  const relay = cdcRelay()
  const author = `e2e-${run}-connect`
  const subscribers = [1, 2, 3].map(i => `e2e-${run}-connect-s${i}`)
  for (const s of subscribers) await subscribe(s, author)
  const expected = subscribers.length * 500

  const from = await topicEndOffsets('outbox.event.post')
  // Paced until the stop, so the burst outlasts Connect's graceful stop (a CLI call of several seconds); fast after it.
  let stopped = false
  const burst = createPosts(relay, author, Array.from({ length: 500 }, (_, i) => `${author} #${i}`), 2, () => stopped ? 0 : 400)
  // Events are flowing through Debezium: the stop hits a connector at work.
  await eventually(async () => assert.ok(await recordedNotifications(subscribers) >= 10), 60_000, 20)
  await stopComponents(['connect'])
  // Connect is gone: no more events reach Kafka, so what is recorded now bounds what got through before the stop.
  const atStop = await recordedNotifications(subscribers)
  t.diagnostic(`Kafka Connect stopped with ${atStop} of ${expected} notifications recorded`)
  assertInFlight('notifications', atStop, expected)
  stopped = true
  await restoreStack()
  const posts = await burst
  await eventually(async () => {
    for (const s of subscribers) assert.equal((await notificationsOf(s)).length, 500, s)
  }, 120_000, 500)
  await assertExactlyOnce(subscribers, posts)
  assert.equal(await recordedNotifications(subscribers), expected, 'none missing, none doubled')
  const records = await readTopic('outbox.event.post', r => r.filter(x => x.key === author).length >= 500, 60_000, from)
  t.diagnostic(`${records.filter(x => x.key === author).length} records on the topic for 500 posts (copies are Debezium's replays)`)
})
