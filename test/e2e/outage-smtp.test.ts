// The mail server (the SMTP capture) stopped for a minute during a burst of user updates: the
// consumer waits it out with capped backoff, dead-letters nothing, and every mail goes out once.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { restoreStack, stopComponents } from '@ripple/testing'
import { USERS_DLQ, assertEveryChangeMailedOnce, changeMailsOf, createUsers, deleteUsers, elapsed, recordsSoFar, sleep, updateBurst, whenAtLeast } from './faults.support.ts'

after(restoreStack)

const TOTAL = 500
const OUTAGE_MS = 60_000

test('SMTP down for 60 s during 500 updates: nothing dead-lettered, every change mailed exactly once', async t => {
  const users = await createUsers(10, 'smtpdown')
  const mailed = async () => (await changeMailsOf(users)).length
  const dlqBefore = await recordsSoFar(USERS_DLQ)
  // Slow enough that the stop (tens of seconds on a busy machine) lands early in the burst.
  const burst = updateBurst(users, TOTAL, 5)

  // The capture's list goes down with it, so the count is taken just before the stop.
  const atFault = await whenAtLeast(mailed, TOTAL * 0.05)
  await stopComponents(['smtp'])
  const stoppedAt = performance.now()
  t.diagnostic(`SMTP stopped with ${atFault} of ${TOTAL} change mails caught, ${burst.sent} updates made`)
  await sleep(OUTAGE_MS - (performance.now() - stoppedAt))
  // From the start of the restore: the component answers again within it (./ripple up then checks all the rest).
  const restoredAt = performance.now()
  await restoreStack()
  t.diagnostic(`restore (./ripple up) took ${elapsed(restoredAt)}`)
  const afterRestore = await mailed()
  t.diagnostic(`${afterRestore} mails caught right after the restore`)
  await burst.done

  assert.ok(atFault < TOTAL / 2, `the outage hit the burst under way: ${atFault} of ${TOTAL} mails at that moment`)
  await assertEveryChangeMailedOnce('outage-smtp', { users, total: TOTAL, restoredAt, dlqBefore })
  await deleteUsers(users)
})
