// MariaDB (user-service's and post-service's database, the CDC source of user changes) SIGKILLed
// in the middle of a burst of user updates: callers get 503 with Retry-After naming the database,
// never a 500, and every update that was answered 200 is mailed exactly once after the restore.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { loadStackConfig } from '@ripple/stack'
import { beforeFault, restoreStack, stopComponents } from '@ripple/testing'
import {
  USERS_DLQ, addressOf, assertInFlight, changeMailsOf, createUsers, deleteUsers, describeTally, elapsed, recordsSoFar,
  tally, updateOf, updatesThroughOutage, userServiceUrl, waitForLagZero, whenAtLeast, NOTIFICATION_GROUP, USERS_TOPIC
} from './faults.support.ts'

after(restoreStack)

const config = loadStackConfig()
const postServiceUrl = `http://${config.host}:${config.ports.postService}`
const TOTAL = 600
// Slow until the fault, slower while it lasts, fast once the restore began: the kill lands with
// the burst under way however slow the machine's `ripple stop` is, and the test ends soon after.
const pace = { perSecond: 10 }

test('MariaDB SIGKILLed during 600 user updates: every answer is 200 or 503 (never 500), every 200 mailed once', async t => {
  const users = await createUsers(4, 'mariadb-down')
  const dlqBefore = await recordsSoFar(USERS_DLQ)
  // Four lanes at a fixed pace: the kill lands with the burst under way, and it goes on through the outage.
  const burst = updatesThroughOutage(users, TOTAL, pace)
  const { statuses, accepted, refused } = burst

  await whenAtLeast(async () => burst.answered, 40)
  // SIGKILL straight to mariadbd (its pid file, in the folder the server's own account owns): `ripple stop --kill` spawns a CLI first, which on a
  // loaded machine takes seconds the burst would use up. The stop afterwards tells the supervisor.
  await beforeFault()
  process.kill(Number(readFileSync(join(config.paths.run, 'mariadb', 'mariadb.pid'), 'utf8').trim()), 'SIGKILL')
  const killedAt = performance.now()
  pace.perSecond = 2
  // Read once the process is gone: the burst must still be under way, or the kill came too late to test anything.
  const answeredAtKill = burst.answered
  t.diagnostic(`MariaDB SIGKILLed with ${answeredAtKill} of ${TOTAL} updates answered`)
  assertInFlight('updates answered', answeredAtKill, TOTAL)
  await stopComponents(['mariadb'], { kill: true })

  // While it is down: the burst's PATCHes are refused with 503, and so are sign-in and a post-service read.
  await whenAtLeast(async () => refused.length, 10, 60_000)
  const token = await fetch(`${userServiceUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: users.usernames[0], password: 'fault-password-1' }) })
  assert.equal(token.status, 503, `sign-in during the outage: ${await token.clone().text()}`)
  assert.ok(token.headers.get('retry-after'))
  const post = await fetch(`${postServiceUrl}/posts/1`)
  assert.equal(post.status, 503, `a post-service read during the outage: ${await post.clone().text()}`)
  assert.match((await post.json() as { dependency: string }).dependency, /post_service_db database/)

  const restoredAt = performance.now()
  await restoreStack()
  pace.perSecond = 40
  const answeredAtRestore = burst.answered
  t.diagnostic(`MariaDB down ${elapsed(killedAt)} in all; restore (./ripple up) took ${elapsed(restoredAt)}`)
  await burst.done
  t.diagnostic(`answers: ${JSON.stringify(Object.fromEntries(statuses))}`)
  assert.deepEqual([...statuses.keys()].filter(s => s !== 200 && s !== 503), [], 'only 200 and 503')
  assert.ok(answeredAtRestore < TOTAL, 'updates were still to come once MariaDB was back')
  assert.ok(accepted.some(n => n >= answeredAtRestore + 4), 'updates after the restore are accepted again')

  // Every 200 mailed once. A 503 whose commit had reached the disk before the kill may be mailed too
  // (the answer was lost, not the write): allowed once, never twice.
  await whenAtLeast(async () => new Set((await changeMailsOf(users)).map(updateOf)).size, accepted.length, 180_000)
  await waitForLagZero(NOTIFICATION_GROUP, USERS_TOPIC)
  const mails = await changeMailsOf(users)
  const result = tally(accepted.map(addressOf), mails.filter(m => accepted.map(addressOf).includes(updateOf(m) ?? '')), updateOf)
  const inDoubt = mails.filter(m => refused.map(addressOf).includes(updateOf(m) ?? ''))
  t.diagnostic(`${describeTally(result)}; mails of 503'd updates (committed, answer lost): ${inDoubt.length}; last mail ${elapsed(restoredAt)} after the restore began`)
  assert.deepEqual(result.missing, [], 'every 200 mailed')
  assert.deepEqual([...result.doubled.keys()], [], 'no update mailed twice')
  assert.equal(new Set(inDoubt.map(updateOf)).size, inDoubt.length, 'a 503\'d update mailed at most once')
  assert.equal(await recordsSoFar(USERS_DLQ) - dlqBefore, 0n, 'nothing dead-lettered')
  await deleteUsers(users)
})
