// PostgreSQL (notification-service's inbox and mail log, subscribe-service's inbox and
// notifications) stopped for a minute during bursts: an outage is waited out, never dead-lettered,
// and every effect happens exactly once once the database is back.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, test } from 'node:test'
import { eventually, restoreStack, stopComponents } from '@ripple/testing'
import { assertExactlyOnce, cdcRelay, createPosts, notificationsOf, subscribe } from './outbox.support.ts'
import type { PostJson } from './outbox.support.ts'
import { USERS_DLQ, assertEveryChangeMailedOnce, assertInFlight, changeMailsOf, createUsers, deleteUsers, describeTally, elapsed, recordsSoFar, sleep, tally, updateBurst, waitForLagZero, whenAtLeast } from './faults.support.ts'

after(restoreStack)

const OUTAGE_MS = 60_000

test('PostgreSQL down for 60 s during 500 updates: nothing dead-lettered, every change mailed exactly once', async t => {
  const TOTAL = 500
  const users = await createUsers(10, 'pgdown')
  const mailed = async () => (await changeMailsOf(users)).length
  const dlqBefore = await recordsSoFar(USERS_DLQ)
  // Slow until the database is down, so the stop lands early in the burst; fast once it has.
  const burst = updateBurst(users, TOTAL, 3)

  await whenAtLeast(mailed, 10)
  await stopComponents(['postgres'])
  const stoppedAt = performance.now()
  const atFault = await mailed()
  t.diagnostic(`PostgreSQL stopped with ${atFault} of ${TOTAL} change mails sent, ${burst.sent} updates made`)
  assertInFlight('change mails', atFault, TOTAL)
  burst.perSecond = 50
  await sleep(OUTAGE_MS - (performance.now() - stoppedAt))
  // From the start of the restore: the component answers again within it (./ripple up then checks all the rest).
  const restoredAt = performance.now()
  await restoreStack()
  t.diagnostic(`restore (./ripple up) took ${elapsed(restoredAt)}`)
  await burst.done
  await assertEveryChangeMailedOnce('outage-postgres (mails)', { users, total: TOTAL, restoredAt, dlqBefore })
  await deleteUsers(users)
})

test('subscribe-service\'s PostgreSQL down for 30 s during 300 posts: nothing dead-lettered, every notification exactly once', async t => {
  const TOTAL = 300
  const POST_DLQ = 'outbox.event.post.dlq'
  const run = randomBytes(4).toString('hex')
  const author = `fault-${run}-author`
  const subscribers = [1, 2, 3].map(i => `fault-${run}-s${i}`)
  for (const s of subscribers) await subscribe(s, author)
  const dlqBefore = await recordsSoFar(POST_DLQ)
  const relay = cdcRelay()
  let posted = 0
  let paceMs = 60
  // One post at a time, ~15 a second until the database is down, so the stop lands early in the burst; then unpaced.
  const burst = (async () => {
    const posts: PostJson[] = []
    for (let i = 0; i < TOTAL; i++) {
      posts.push(...await createPosts(relay, author, [`${author} #${i}`], 1))
      posted++
      await sleep(paceMs)
    }
    return posts
  })()

  const notified = async () => (await notificationsOf(subscribers[0]!)).length
  await whenAtLeast(notified, 10)
  await stopComponents(['postgres'])
  const stoppedAt = performance.now()
  // subscribe-service answers from PostgreSQL, now gone: the posts made so far bound what it can have notified.
  const atFault = posted
  t.diagnostic(`PostgreSQL stopped with ${atFault} of ${TOTAL} posts made`)
  assertInFlight('posts', atFault, TOTAL)
  paceMs = 0
  await sleep(OUTAGE_MS / 2 - (performance.now() - stoppedAt))
  // From the start of the restore: the component answers again within it (./ripple up then checks all the rest).
  const restoredAt = performance.now()
  await restoreStack()
  t.diagnostic(`restore (./ripple up) took ${elapsed(restoredAt)}`)
  const posts = await burst
  assert.equal(posts.length, TOTAL)

  await eventually(async () => {
    for (const s of subscribers) assert.ok((await notificationsOf(s)).length >= TOTAL, `${s}: not all notified yet`)
  }, 180_000, 500)
  const lastEffect = elapsed(restoredAt)
  await waitForLagZero('subscribe-service', 'outbox.event.post')
  const lagZero = elapsed(restoredAt)
  const expected = subscribers.flatMap(s => posts.map(p => `${s} ${p.title}`))
  const received = (await Promise.all(subscribers.map(async s => (await notificationsOf(s)).map(n => `${s} ${n.post.title}`)))).flat()
  const result = tally(expected, received, key => key)
  const deadLettered = await recordsSoFar(POST_DLQ) - dlqBefore
  console.log(`outage-postgres (notifications): ${describeTally(result)} dead-lettered=${deadLettered}; from the start of the restore: last notification ${lastEffect}, lag 0 ${lagZero}`)

  assert.equal(deadLettered, 0n, `nothing added to ${POST_DLQ}`)
  assert.deepEqual(result.missing, [], 'no notification missing')
  assert.deepEqual([...result.doubled.keys()], [], 'no notification twice')
  await assertExactlyOnce(subscribers, posts)
})
