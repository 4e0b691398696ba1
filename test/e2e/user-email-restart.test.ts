// notification-service stopped (a graceful restart, as a deploy does) in the middle of a burst of
// user updates: what it had claimed but not committed is handled again by the new instance, and
// every change is mailed exactly once.
import { after, test } from 'node:test'
import { restoreStack, stopComponents } from '@ripple/testing'
import { USERS_DLQ, assertEveryChangeMailedOnce, assertInFlight, changeMailsOf, createUsers, deleteUsers, elapsed, recordsSoFar, updateBurst, whenAtLeast } from './faults.support.ts'

after(restoreStack)

const TOTAL = 200

test('notification-service restarted in the middle of 200 updates mails each exactly once', async t => {
  const users = await createUsers(10, 'restart')
  const mailed = async () => (await changeMailsOf(users)).length
  const dlqBefore = await recordsSoFar(USERS_DLQ)
  // Paced until the stop, so it lands early in the burst; fast once it has.
  const burst = updateBurst(users, TOTAL, 5)

  await whenAtLeast(mailed, 10)
  const stopStarted = performance.now()
  await stopComponents(['notification-service'])
  // The service is gone: the mails now caught are all it sent before the restart.
  const atStop = await mailed()
  t.diagnostic(`stopped (took ${elapsed(stopStarted)}) with ${atStop} of ${TOTAL} change mails sent, ${burst.sent} updates made`)
  assertInFlight('change mails', atStop, TOTAL)
  burst.perSecond = 50
  const restoredAt = performance.now()
  await restoreStack()
  await burst.done
  await assertEveryChangeMailedOnce('user-email-restart', { users, total: TOTAL, restoredAt, dlqBefore })
  await deleteUsers(users)
})
