import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, test } from 'node:test'
import { loadStackConfig } from '@ripple/stack'
import { capturedMails, eventually, restoreStack, stopComponents } from '@ripple/testing'

const config = loadStackConfig()
const users = `http://${config.host}:${config.ports.userService}/users`
const json = { 'content-type': 'application/json' }
after(restoreStack)

test('notification-service restarted in the middle of 200 updates mails each exactly once', async () => {
  const run = randomBytes(4).toString('hex')
  const ids: string[] = []
  for (let i = 0; i < 10; i++) {
    const res = await fetch(users, { method: 'POST', headers: json, body: JSON.stringify({ username: `burst-${run}-${i}`, email: `burst-${run}-${i}@example.test`, password: 'burst-password' }) })
    ids.push(((await res.json()) as { id: string }).id)
  }
  const mine = async () => (await capturedMails()).filter(m => m.to.some(t => t.startsWith(`burst-${run}-`)))
  await eventually(async () => assert.equal((await mine()).length, 10, 'welcome mails'))

  const updates = Array.from({ length: 200 }, (_, n) => ({ id: ids[n % ids.length]!, address: `${n} Burst Street` }))
  let sent = 0
  const burst = (async () => {
    for (const u of updates) {
      const res = await fetch(`${users}/${u.id}`, { method: 'PATCH', headers: json, body: JSON.stringify({ address: u.address }) })
      assert.equal(res.status, 200)
      sent++
    }
  })()
  await eventually(() => assert.ok(sent >= 50), 60_000, 20)
  await stopComponents(['notification-service'])
  await restoreStack()
  await burst

  const changeMails = await eventually(async () => {
    const mails = (await mine()).filter(m => m.subject === 'Your Ripple account data changed')
    assert.ok(mails.length >= 200, `${mails.length} of 200 change mails`)
    return mails
  }, 120_000, 250)
  const addresses = changeMails.map(m => /→ (\d+ Burst Street)/.exec(m.text)?.[1])
  assert.equal(changeMails.length, 200, 'none twice')
  assert.deepEqual(new Set(addresses), new Set(updates.map(u => u.address)), 'every update mailed')
  await Promise.all(ids.map(id => fetch(`${users}/${id}`, { method: 'DELETE' })))
})
