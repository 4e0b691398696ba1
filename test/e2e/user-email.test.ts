import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { loadStackConfig } from '@ripple/stack'
import { readTopic, waitForMails } from '@ripple/testing'

// The whole seed-000 path on the running system: user-service → MariaDB binlog → Debezium →
// cdc.table.userdata.users → notification-service → SMTP capture.
const config = loadStackConfig()
const users = `http://${config.host}:${config.ports.userService}/users`
const json = { 'content-type': 'application/json' }

const changedLines = (text: string) => text.split('\n').filter(l => l.startsWith('  - '))

test('a user\'s life mails them at every step, once, and their password never reaches Kafka', async () => {
  const run = randomBytes(4).toString('hex')
  const first = `e2e-${run}@example.test`
  const second = `e2e-${run}-new@example.test`
  const password = `pw-${run}-secret`

  const created = await fetch(users, { method: 'POST', headers: json, body: JSON.stringify({ username: `e2e-${run}`, email: first, password, fullName: 'Ada Lovelace', address: '1 Analytical Way' }) })
  assert.equal(created.status, 201)
  const { id } = await created.json() as { id: string }
  const welcome = await waitForMails(first, 1)
  assert.equal(welcome[0]?.subject, 'Welcome to Ripple')

  const patched = await fetch(`${users}/${id}`, { method: 'PATCH', headers: json, body: JSON.stringify({ fullName: 'Ada King', address: '2 Difference Road' }) })
  assert.equal(patched.status, 200)
  const afterPatch = await waitForMails(first, 2)
  const change = afterPatch[1]
  assert.deepEqual(changedLines(change?.text ?? ''), ['  - Full name: Ada Lovelace → Ada King', '  - Address: 1 Analytical Way → 2 Difference Road'])

  assert.equal((await fetch(`${users}/${id}`, { method: 'PATCH', headers: json, body: JSON.stringify({ email: second }) })).status, 200)
  const toNew = await waitForMails(second, 1)
  assert.match(toNew[0]?.text ?? '', new RegExp(`Email.*${first}.*${second}`))
  const notice = (await waitForMails(first, 3))[2]
  assert.match(notice?.subject ?? '', /email address .* changed/)

  assert.equal((await fetch(`${users}/${id}`, { method: 'DELETE' })).status, 204)
  const goodbye = (await waitForMails(second, 2))[1]
  assert.equal(goodbye?.subject, 'Your Ripple account was deleted')

  // One key keeps its events in order, so once the goodbye arrived every earlier event was handled.
  assert.equal((await waitForMails(first, 3)).length, 3, 'welcome, change, notice of the new address')
  assert.equal((await waitForMails(second, 2)).length, 2, 'change of address, goodbye')

  const hexId = id.replaceAll('-', '')
  const events = await readTopic('cdc.table.userdata.users', seen => seen.filter(m => m.key?.includes(hexId)).length >= 4)
  const mine = events.filter(m => m.key?.includes(hexId))
  assert.equal(mine.length, 4, 'create, two updates, delete')
  for (const m of mine) {
    assert.ok(!m.value?.includes('password'), 'no password column')
    assert.ok(!m.value?.includes('scrypt$') && !m.value?.includes(password), 'no hash, no plain text')
  }
})

test('bad input is a 4xx naming the field, never a 5xx', async () => {
  const post = (body: string) => fetch(users, { method: 'POST', headers: json, body })
  const badEmail = await post(JSON.stringify({ username: 'x', email: 'not-an-email', password: 'long-enough-1' }))
  assert.equal(badEmail.status, 400)
  assert.equal((await badEmail.json() as { field: string }).field, 'email')
  assert.equal((await post('{"username":')).status, 400)
  assert.equal((await fetch(`${users}/not-a-uuid`)).status, 400)
  assert.equal((await fetch(`${users}/00000000-0000-4000-8000-000000000000`)).status, 404)
})
