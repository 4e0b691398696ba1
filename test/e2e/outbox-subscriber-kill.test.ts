// subscribe-service killed with SIGKILL mid-burst: its inbox and the offsets it had not committed
// make the redelivered events count once.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, test } from 'node:test'
import { eventually, restoreStack, stopComponents } from '@ripple/testing'
import { assertExactlyOnce, cdcRelay, createPosts, notificationsOf, pollingRelay, subscribe } from './outbox.support.ts'

after(restoreStack)

test('subscribe-service killed -9 during a burst of 500 posts (plus 100 through the polling relay): exactly one notification per subscriber per post', async t => {
  const run = randomBytes(4).toString('hex')
  const cdc = cdcRelay()
  const polling = await pollingRelay()
  try {
    const subscribers = [1, 2, 3].map(i => `e2e-${run}-kill-s${i}`)
    const authors = { cdc: `e2e-${run}-kill-cdc`, polling: `e2e-${run}-kill-polling` }
    for (const s of subscribers) for (const author of Object.values(authors)) await subscribe(s, author)

    // Two requests at a time, so the burst is still going when the kill comes.
    const burst = Promise.all([
      createPosts(cdc, authors.cdc, Array.from({ length: 500 }, (_, i) => `${authors.cdc} #${i}`), 2),
      createPosts(polling, authors.polling, Array.from({ length: 100 }, (_, i) => `${authors.polling} #${i}`), 1)
    ])
    const before = await eventually(async () => {
      const n = (await notificationsOf(subscribers[0]!)).length
      assert.ok(n >= 50, `${n} so far`)
      return n
    }, 60_000, 20)
    await stopComponents(['subscribe-service'], { kill: true })
    t.diagnostic(`killed subscribe-service after at least ${before} notifications of the first subscriber`)
    await restoreStack()
    const posts = (await burst).flat()
    assert.equal(posts.length, 600)
    await eventually(async () => {
      for (const s of subscribers) assert.equal((await notificationsOf(s)).length, 600, s)
    }, 120_000, 500)
    await assertExactlyOnce(subscribers, posts)
    assert.ok(before < 600, 'the kill came before every event was recorded')
  } finally {
    await polling.stop()
  }
})
