// notification-service SIGKILLed three times while a burst of user updates is mailed: the claim →
// send → confirm protocol re-sends a claim left pending, with the same Message-ID, so nothing is
// lost; a mail doubled is one the server took just before a kill, and its copy carries the same id.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { restoreStack, stopComponents } from '@ripple/testing'
import { NOTIFICATION_GROUP, USERS_TOPIC, addressOf, assertInFlight, changeMailsOf, createUsers, deleteUsers, describeTally, elapsed, tally, updateBurst, updateOf, waitForChangeMails, waitForLagZero, whenAtLeast } from './faults.support.ts'

after(restoreStack)

const TOTAL = 1000

test('notification-service killed -9 three times during 1,000 updates: no change mail missing, a repeat only with its twin\'s Message-ID', async t => {
  const users = await createUsers(10, 'kill')
  const expected = Array.from({ length: TOTAL }, (_, n) => addressOf(n))
  const mailed = async () => (await changeMailsOf(users)).length
  // Slow while the kills come (each kill and restore takes seconds to tens of seconds), so all
  // three hit with most of the burst still to do; fast once they are over.
  const burst = updateBurst(users, TOTAL, 4)

  let restoredAt = 0
  let threshold = 10
  for (let kill = 1; kill <= 3; kill++) {
    await whenAtLeast(mailed, threshold)
    const killStarted = performance.now()
    await stopComponents(['notification-service'], { kill: true })
    // The process is gone: what is mailed now is all it mailed; the rest of the burst is still to go.
    const atKill = await mailed()
    t.diagnostic(`SIGKILL #${kill} (took ${elapsed(killStarted)}) with ${atKill} of ${TOTAL} change mails sent, ${burst.sent} updates made`)
    assertInFlight(`change mails (kill #${kill})`, atKill, TOTAL)
    restoredAt = performance.now()
    await restoreStack()
    t.diagnostic(`restore (./ripple up) took ${elapsed(restoredAt)}`)
    // The next kill as soon as the new instance is mailing again.
    threshold = await mailed() + 10
  }
  burst.perSecond = 30
  await burst.done

  const mails = await waitForChangeMails(users, TOTAL)
  const lastEffect = elapsed(restoredAt)
  await waitForLagZero(NOTIFICATION_GROUP, USERS_TOPIC)
  const lagZero = elapsed(restoredAt)
  // Whatever was still on its way (a late repeat) is in by the time the group committed everything.
  const result = tally(expected, await changeMailsOf(users), updateOf)
  console.log(`notification-kill: ${describeTally(result)}; from the start of the last restore: last mail ${lastEffect}, lag 0 ${lagZero}`)
  for (const [update, twins] of result.doubled) {
    console.log(`  doubled: ${update} → ${twins.map(m => m.messageId).join(', ')}`)
  }

  assert.deepEqual(result.missing, [], 'no change mail missing')
  assert.equal(result.unrecognised, 0, 'only mails of the burst')
  for (const [update, twins] of result.doubled) {
    assert.ok(twins[0]?.messageId, `${update}: a Message-ID`)
    assert.ok(twins.every(m => m.messageId === twins[0]?.messageId), `${update}: every copy carries one Message-ID: ${twins.map(m => m.messageId).join(', ')}`)
  }
  assert.ok(mails.length >= TOTAL)
  await deleteUsers(users)
})
