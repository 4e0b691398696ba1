import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { loadStackConfig } from '@ripple/stack'
import { adminToken, assertJsonError, callJson, readTopic, signIn, waitForMails } from '@ripple/testing'
import { confirmLinkIn } from './user-mail.support.ts'

// The whole seed-000 path on the running system: user-service → MariaDB binlog → Debezium →
// cdc.table.userdata.users → notification-service → SMTP capture.
const config = loadStackConfig()
const userService = `http://${config.host}:${config.ports.userService}`
const users = `${userService}/users`

const changedLines = (text: string) => text.split('\n').filter(l => l.startsWith('  - '))

test('a user\'s life mails them at every step, once, and their password never reaches Kafka', async () => {
  const run = randomBytes(4).toString('hex')
  const username = `e2e-${run}`
  const first = `e2e-${run}@example.test`
  const second = `e2e-${run}-new@example.test`
  const password = `pw-${run}-secret`

  const created = await callJson(users, 'POST', { username, email: first, password, fullName: 'Ada Lovelace', address: '1 Analytical Way' })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  assert.equal(created.body.status, 'Unconfirmed')
  const id = created.body.id as string
  const welcome = await waitForMails(first, 1)
  assert.equal(welcome[0]?.subject, 'Welcome to Ripple')
  assert.ok(confirmLinkIn(welcome[0]?.text ?? '').startsWith(`${userService}/users/confirm?token=`))

  const token = await signIn(userService, { username }, password)
  const patched = await callJson(`${users}/${id}`, 'PATCH', { fullName: 'Ada King', address: '2 Difference Road' }, { token })
  assert.equal(patched.status, 200, JSON.stringify(patched.body))
  const afterPatch = await waitForMails(first, 2)
  const change = afterPatch[1]
  assert.equal(change?.subject, 'Your Ripple account data changed')
  assert.deepEqual(changedLines(change?.text ?? ''), ['  - Full name: Ada Lovelace → Ada King', '  - Address: 1 Analytical Way → 2 Difference Road'])

  const moved = await callJson(`${users}/${id}`, 'PATCH', { email: second, currentPassword: password }, { token })
  assert.equal(moved.status, 200, JSON.stringify(moved.body))
  const toNew = await waitForMails(second, 1)
  assert.equal(toNew[0]?.subject, 'Confirm the new email address of your Ripple account')
  assert.match(toNew[0]?.text ?? '', new RegExp(`Email: ${first} → ${second}`))
  assert.ok(confirmLinkIn(toNew[0]?.text ?? '').startsWith(`${userService}/users/confirm?token=`))
  const notice = (await waitForMails(first, 3))[2]
  assert.match(notice?.subject ?? '', /email address .* changed/)
  assert.ok(!notice?.text.includes('/users/confirm'), 'the old address gets no link')

  assert.equal((await callJson(`${users}/${id}`, 'DELETE', undefined, { token })).status, 204)
  const goodbye = (await waitForMails(second, 2))[1]
  assert.equal(goodbye?.subject, 'Your Ripple account was deleted')

  // One key keeps its events in order, so once the goodbye arrived every earlier event was handled.
  assert.equal((await waitForMails(first, 3)).length, 3, 'welcome, change, notice of the new address')
  assert.equal((await waitForMails(second, 2)).length, 2, 'new link, goodbye')

  const hexId = id.replaceAll('-', '')
  const events = await readTopic('cdc.table.userdata.users', seen => seen.filter(m => m.key?.includes(hexId)).length >= 4)
  const mine = events.filter(m => m.key?.includes(hexId))
  assert.equal(mine.length, 4, 'create, two updates, delete')
  for (const m of mine) {
    assert.ok(!/"password"/.test(m.value ?? ''), 'no password column')
    assert.ok(!m.value?.includes('scrypt$') && !m.value?.includes(password), 'no hash, no plain text')
  }
})

test('bad input is a 4xx naming the field, never a 5xx', async () => {
  const badEmail = await callJson(users, 'POST', { username: 'x', email: 'not-an-email', password: 'long-enough-1' })
  assertJsonError(badEmail, 400, 'email')
  assert.equal((await callJson(users, 'POST', undefined, { raw: '{"username":' })).status, 400)
  const admin = await adminToken(userService)
  assert.equal((await callJson(`${users}/not-a-uuid`, 'GET', undefined, { token: admin })).status, 400)
  assert.equal((await callJson(`${users}/00000000-0000-4000-8000-000000000000`, 'GET', undefined, { token: admin })).status, 404)
})
