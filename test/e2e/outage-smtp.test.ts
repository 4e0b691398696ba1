// The mail server (the SMTP capture) stopped for a minute during a burst of user updates: the
// consumer waits it out with capped backoff, dead-letters nothing, and every mail goes out once.
import { after, test } from 'node:test'
import { restoreStack, stopComponents } from '@ripple/testing'
import { USERS_DLQ, assertEveryChangeMailedOnce, assertInFlight, changeMailsOf, createUsers, deleteUsers, elapsed, recordsSoFar, sleep, updateBurst, whenAtLeast } from './faults.support.ts'

after(restoreStack)

const TOTAL = 500
const OUTAGE_MS = 60_000

test('SMTP down for 60 s during 500 updates: nothing dead-lettered, every change mailed exactly once', async t => {
  const users = await createUsers(10, 'smtpdown')
  const mailed = async () => (await changeMailsOf(users)).length
  const dlqBefore = await recordsSoFar(USERS_DLQ)
  // Slow until the server is down, so the stop lands early in the burst; fast once it has.
  const burst = updateBurst(users, TOTAL, 5)

  await whenAtLeast(mailed, 10)
  await stopComponents(['smtp'])
  const stoppedAt = performance.now()
  // The capture's list went down with the server: the updates made so far bound the mails it can have taken.
  const atFault = burst.sent
  t.diagnostic(`SMTP stopped with ${atFault} of ${TOTAL} updates made`)
  assertInFlight('updates', atFault, TOTAL)
  burst.perSecond = 50
  await sleep(OUTAGE_MS - (performance.now() - stoppedAt))
  // From the start of the restore: the component answers again within it (./ripple up then checks all the rest).
  const restoredAt = performance.now()
  await restoreStack()
  t.diagnostic(`restore (./ripple up) took ${elapsed(restoredAt)}`)
  const afterRestore = await mailed()
  t.diagnostic(`${afterRestore} mails caught right after the restore`)
  await burst.done
  await assertEveryChangeMailedOnce('outage-smtp', { users, total: TOTAL, restoredAt, dlqBefore })
  await deleteUsers(users)
})
