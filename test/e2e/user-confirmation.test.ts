import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { loadStackConfig } from '@ripple/stack'
import { assertJsonError, base64urlSpellings, callJson, capturedMails, readTopic, signIn, waitForMails } from '@ripple/testing'
import type { CapturedMail } from '@ripple/testing'
import { confirmLinkIn, serviceLog, storedPasswordHash } from './user-mail.support.ts'

// Issue 10 on the running stack: user-service writes, Debezium captures userdata.users,
// notification-service mails (links minted with CONFIRMATION_SECRET, which user-service verifies).
const config = loadStackConfig()
const userService = `http://${config.host}:${config.ports.userService}`
const users = `${userService}/users`
const TOPIC = 'cdc.table.userdata.users'

async function signUp (extra: Record<string, unknown> = {}) {
  const run = randomBytes(4).toString('hex')
  const username = `confirm-${run}`
  const email = `${username}@example.test`
  const password = `pw-${run}-Secret!`
  const res = await callJson(users, 'POST', { username, email, password, ...extra })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  assert.equal(res.body.status, 'Unconfirmed')
  return { id: res.body.id as string, username, email, password, token: await signIn(userService, { username }, password) }
}

/** The change events of one user so far, once there are at least `count`. */
async function eventsOf (id: string, count: number) {
  const hexId = id.replaceAll('-', '')
  const records = await readTopic(TOPIC, seen => seen.filter(m => m.key?.includes(hexId)).length >= count)
  return records.filter(m => m.key?.includes(hexId))
}

const subjects = (mails: CapturedMail[]) => mails.map(m => m.subject)

describe('email confirmation, password notice and dates, end to end', () => {
  it('sign-up → welcome mail with a link → the link confirms the user, once → "confirmed" mail', async () => {
    const user = await signUp()
    const [welcome] = await waitForMails(user.email, 1)
    assert.equal(welcome?.subject, 'Welcome to Ripple')
    const link = confirmLinkIn(welcome?.text ?? '')
    assert.ok(link.startsWith(`${userService}/users/confirm?token=`), link)

    // The link and its other spellings (the spare bits of the signature's last base64url
    // character): one link, so only the first use confirms.
    const token = new URL(link).searchParams.get('token')!
    const spellings = base64urlSpellings(token).map(t => `${userService}/users/confirm?token=${encodeURIComponent(t)}`)
    assert.ok(spellings.length >= 4)
    const confirmed = await callJson(spellings[0]!, 'GET')
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body))
    for (const respelt of spellings.slice(1)) {
      const refused = await callJson(respelt, 'GET')
      assertJsonError(refused, 410, 'token')
      assert.equal(refused.body.error, 'CONFIRMATION_USED')
    }
    assert.deepEqual({ id: confirmed.body.id, status: confirmed.body.status }, { id: user.id, status: 'Confirmed' })
    assert.equal((await callJson(`${users}/${user.id}`, 'GET', undefined, { token: user.token })).body.status, 'Confirmed')

    const mails = await waitForMails(user.email, 2)
    assert.deepEqual(subjects(mails), ['Welcome to Ripple', 'Your Ripple email address is confirmed'], 'no change list for the status, only the confirmation')
    assert.match(mails[1]?.text ?? '', new RegExp(`your email address ${user.email.replaceAll('.', '\\.')} is confirmed`))

    const reused = await callJson(link, 'GET')
    assertJsonError(reused, 410, 'token')
    assert.equal(reused.body.error, 'CONFIRMATION_USED')
    const forged = new URL(link)
    forged.searchParams.set('token', `${forged.searchParams.get('token')}x`)
    assertJsonError(await callJson(forged.toString(), 'GET'), 400, 'token')
  })

  it('a password change → "your password was changed at …"; no password or hash in the mails, the topic or the logs', async () => {
    const user = await signUp({ fullName: 'Pat Secret' })
    await waitForMails(user.email, 1)
    const oldHash = await storedPasswordHash(user.id)
    const newPassword = `${user.password}-2`
    const before = Date.now()
    const changed = await callJson(`${users}/${user.id}`, 'PATCH', { password: newPassword, currentPassword: user.password }, { token: user.token })
    assert.equal(changed.status, 200, JSON.stringify(changed.body))
    const newHash = await storedPasswordHash(user.id)
    assert.notEqual(newHash, oldHash)

    const mails = await waitForMails(user.email, 2)
    assert.deepEqual(subjects(mails), ['Welcome to Ripple', 'The password of your Ripple account was changed'], 'a PATCH of the password alone mails the notice, and only it')
    const at = /was changed at (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\./.exec(mails[1]?.text ?? '')?.[1]
    assert.ok(at, mails[1]?.text)
    assert.ok(Math.abs(Date.parse(at) - before) < 120_000, `changed at ${at}, the PATCH was at ${new Date(before).toISOString()}`)
    await signIn(userService, { username: user.username }, newPassword)

    const events = await eventsOf(user.id, 2)
    assert.equal(events.length, 2, 'create, the password change')
    assert.ok(JSON.parse(events[1]?.value ?? '{}').after?.passwordChangedAt > 0, 'passwordChangedAt is captured')

    // Every secret and every part of each hash (salt, key) long enough to be recognised.
    const secrets = [user.password, newPassword, ...[oldHash, newHash].flatMap(h => [h, ...h.split('$').filter(part => part.length >= 12)])]
    const places: Array<[string, string]> = [
      ...(await capturedMails(user.email)).map((m): [string, string] => [`mail "${m.subject}"`, `${m.subject}\n${m.text}\n${JSON.stringify(m.headers)}`]),
      ...events.map((e): [string, string] => [`topic record ${e.offset}`, `${e.key}\n${e.value}\n${JSON.stringify(e.headers)}`]),
      ['notification-service log', await serviceLog('notification-service')],
      ['user-service log', await serviceLog('user-service')]
    ]
    for (const [place, text] of places) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `${place} shows a password or hash`)
      if (place.startsWith('topic')) assert.doesNotMatch(text, /"password"|scrypt\$/, `${place} has a password column`)
    }
  })

  it('a birth date of 1600-01-01 (and 0001-01-01) is mailed as that date', async () => {
    const user = await signUp({ dateOfBirth: '1990-05-01' })
    await waitForMails(user.email, 1)
    for (const [from, to, count] of [['1990-05-01', '1600-01-01', 2], ['1600-01-01', '0001-01-01', 3]] as const) {
      const res = await callJson(`${users}/${user.id}`, 'PATCH', { dateOfBirth: to }, { token: user.token })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal(res.body.dateOfBirth, to)
      const mail = (await waitForMails(user.email, count))[count - 1]
      assert.equal(mail?.subject, 'Your Ripple account data changed')
      assert.deepEqual(mail?.text.split('\n').filter(l => l.startsWith('  - ')), [`  - Date of birth: ${from} → ${to}`])
    }
    const events = await eventsOf(user.id, 3)
    assert.deepEqual(events.map(e => JSON.parse(e.value ?? '{}').after?.dateOfBirth), [7425, -135_140, -719_162], 'Debezium sends days since 1970-01-01')
  })

  it('an email change → a new link to the new address (the old one only hears of it) → the link confirms the new address', async () => {
    const user = await signUp()
    const [welcome] = await waitForMails(user.email, 1)
    assert.equal((await callJson(confirmLinkIn(welcome?.text ?? ''), 'GET')).status, 200)
    await waitForMails(user.email, 2)

    const newEmail = user.email.replace('@', '-new@')
    const moved = await callJson(`${users}/${user.id}`, 'PATCH', { email: newEmail, currentPassword: user.password }, { token: user.token })
    assert.equal(moved.status, 200, JSON.stringify(moved.body))
    assert.equal(moved.body.status, 'Unconfirmed')

    const [toNew] = await waitForMails(newEmail, 1)
    assert.equal(toNew?.subject, 'Confirm the new email address of your Ripple account')
    const link = confirmLinkIn(toNew?.text ?? '')
    assert.notEqual(link, confirmLinkIn(welcome?.text ?? ''))
    const notice = (await waitForMails(user.email, 3))[2]
    assert.equal(notice?.subject, 'The email address of your Ripple account changed')
    assert.ok(!notice?.text.includes('/users/confirm'), 'no link to the old address')

    // The link and its other spellings (the spare bits of the signature's last base64url
    // character): one link, so only the first use confirms.
    const token = new URL(link).searchParams.get('token')!
    const spellings = base64urlSpellings(token).map(t => `${userService}/users/confirm?token=${encodeURIComponent(t)}`)
    assert.ok(spellings.length >= 4)
    const confirmed = await callJson(spellings[0]!, 'GET')
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body))
    for (const respelt of spellings.slice(1)) {
      const refused = await callJson(respelt, 'GET')
      assertJsonError(refused, 410, 'token')
      assert.equal(refused.body.error, 'CONFIRMATION_USED')
    }
    assert.equal(confirmed.body.status, 'Confirmed')
    const mails = await waitForMails(newEmail, 2)
    assert.deepEqual(subjects(mails), ['Confirm the new email address of your Ripple account', 'Your Ripple email address is confirmed'])
    assert.equal((await capturedMails(user.email)).length, 3, 'welcome, confirmed, notice: nothing more to the old address')
  })
})
