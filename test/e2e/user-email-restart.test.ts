import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, test } from 'node:test'
import { loadStackConfig } from '@ripple/stack'
import { callJson, capturedMails, eventually, restoreStack, signIn, stopComponents } from '@ripple/testing'

const config = loadStackConfig()
const userService = `http://${config.host}:${config.ports.userService}`
const users = `${userService}/users`
after(restoreStack)

test('notification-service restarted in the middle of 200 updates mails each exactly once', async () => {
  const run = randomBytes(4).toString('hex')
  const accounts: Array<{ id: string, token: string }> = []
  for (let i = 0; i < 10; i++) {
    const username = `burst-${run}-${i}`
    const res = await callJson(users, 'POST', { username, email: `${username}@example.test`, password: 'burst-password' })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    accounts.push({ id: res.body.id as string, token: await signIn(userService, { username }, 'burst-password') })
  }
  const mine = async () => (await capturedMails()).filter(m => m.to.some(t => t.startsWith(`burst-${run}-`)))
  await eventually(async () => assert.equal((await mine()).length, 10, 'welcome mails'))

  const updates = Array.from({ length: 200 }, (_, n) => ({ ...accounts[n % accounts.length]!, address: `${n} Burst Street` }))
  let sent = 0
  const burst = (async () => {
    for (const u of updates) {
      const res = await callJson(`${users}/${u.id}`, 'PATCH', { address: u.address }, { token: u.token })
      assert.equal(res.status, 200, JSON.stringify(res.body))
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
  await Promise.all(accounts.map(({ id, token }) => callJson(`${users}/${id}`, 'DELETE', undefined, { token })))
})
