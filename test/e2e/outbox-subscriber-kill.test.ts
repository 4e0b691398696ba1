// subscribe-service killed with SIGKILL mid-burst: its inbox and the offsets it had not committed
// make the redelivered events count once.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, test } from 'node:test'
import { eventually, restoreStack, stopComponents } from '@ripple/testing'
import { assertExactlyOnce, cdcRelay, createPosts, notificationsOf, pollingRelay, recordedNotifications, subscribe } from './outbox.support.ts'
import { assertInFlight } from './faults.support.ts'

after(restoreStack)

test('subscribe-service killed -9 during a burst of 500 posts (plus 100 through the polling relay): exactly one notification per subscriber per post', async t => {
  const run = randomBytes(4).toString('hex')
  const cdc = cdcRelay()
  const polling = await pollingRelay()
  try {
    const subscribers = [1, 2, 3].map(i => `e2e-${run}-kill-s${i}`)
    const authors = { cdc: `e2e-${run}-kill-cdc`, polling: `e2e-${run}-kill-polling` }
    for (const s of subscribers) for (const author of Object.values(authors)) await subscribe(s, author)
    const expected = subscribers.length * 600

    // Paced until the kill (a CLI call that can take over 10 s on a loaded machine), so it lands mid-burst; fast after it.
    let killed = false
    const burst = Promise.all([
      createPosts(cdc, authors.cdc, Array.from({ length: 500 }, (_, i) => `${authors.cdc} #${i}`), 2, () => killed ? 0 : 300),
      createPosts(polling, authors.polling, Array.from({ length: 100 }, (_, i) => `${authors.polling} #${i}`), 1, () => killed ? 0 : 750)
    ])
    // Notifications are flowing: the kill hits a consumer at work.
    await eventually(async () => assert.ok(await recordedNotifications(subscribers) >= 10), 60_000, 20)
    await stopComponents(['subscribe-service'], { kill: true })
    // The process is gone: what is recorded now is all it did before the kill.
    const atKill = await recordedNotifications(subscribers)
    t.diagnostic(`subscribe-service killed with ${atKill} of ${expected} notifications recorded`)
    assertInFlight('notifications', atKill, expected)
    killed = true
    await restoreStack()
    const posts = (await burst).flat()
    assert.equal(posts.length, 600)
    await eventually(async () => {
      for (const s of subscribers) assert.equal((await notificationsOf(s)).length, 600, s)
    }, 120_000, 500)
    await assertExactlyOnce(subscribers, posts)
    assert.equal(await recordedNotifications(subscribers), expected, 'none missing, none doubled')
  } finally {
    await polling.stop()
  }
})
