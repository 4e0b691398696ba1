// Integration: the whole service on a free port against the real MariaDB, in a scratch database.
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { after, before, beforeEach, describe, it } from 'node:test'
import { confirmationTokenConfigSchema, createConfirmationTokens, loadConfig } from '@ripple/kit'
import { assertJsonError, base64urlSpellings, callJson, testConfig } from '@ripple/testing'
import mysql from 'mysql2/promise'
import type { RowDataPacket } from 'mysql2/promise'
import { createUserService } from '../../src/app.ts'
import type { UserService } from '../../src/app.ts'
import { userServiceConfigSchema } from '../../src/config.ts'
import { migrate, USER_DB_OPTIONS } from '../../src/adapters/mariadb.migrations.ts'
import { createScryptPasswordHasher } from '../../src/adapters/scrypt-password-hasher.adapter.ts'
import { uuidToBin } from '../../src/adapters/uuid.codec.ts'

const database = `userdata_test_${randomBytes(4).toString('hex')}`
// A per-account delay short enough to wait out here (1 s doubling to 4 s); the per-address limit
// high, so this file's own failures never lock out the rest of it (it has its own service below).
const config = testConfig(userServiceConfigSchema, { MARIADB_DATABASE: database, AUTH_DELAY_BASE_SECONDS: '1', AUTH_DELAY_MAX_SECONDS: '4', AUTH_MAX_FAILURES_PER_ADDRESS: '100000' })
const dbSettings = { host: config.MARIADB_HOST, port: config.MARIADB_PORT, user: config.MARIADB_USER, password: config.MARIADB_PASSWORD, database, connectionLimit: 1, options: USER_DB_OPTIONS }
const confirmations = createConfirmationTokens(loadConfig(confirmationTokenConfigSchema, process.env))

let service: UserService
let base: string
let db: mysql.Connection
let admin: string

/** Waits out the Retry-After of a 429, and no longer. */
const waitOut = (res: { headers: Headers }) => new Promise(resolve => setTimeout(resolve, Number(res.headers.get('retry-after')) * 1000))

const call = (method: string, path: string, body?: unknown, options: { raw?: string, token?: string } = {}) => callJson(base + path, method, body, options)

let n = 0
/** A valid new user whose username and email no other test uses. */
function newUser (extra: Record<string, unknown> = {}) {
  n++
  const tag = randomBytes(3).toString('hex')
  return { username: `user${n}-${tag}`, email: `user${n}-${tag}@example.com`, password: `password-${n}`, ...extra }
}

interface UserJson { id: string, username: string, email: string, status: string, lastUpdated: string, passwordChangedAt: string | null, [field: string]: unknown }
interface SignedUp { user: UserJson, password: string, token: string }

async function signUp (extra: Record<string, unknown> = {}): Promise<SignedUp> {
  const input = newUser(extra)
  const res = await call('POST', '/users', input)
  assert.equal(res.status, 201, JSON.stringify(res.body))
  const token = await signInToken({ username: input.username }, input.password)
  return { user: res.body as UserJson, password: input.password, token }
}

async function signInToken (login: Record<string, string>, password: string): Promise<string> {
  const res = await call('POST', '/auth/token', { ...login, password })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.accessToken as string
}

async function storedPassword (id: string): Promise<string> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT password FROM users WHERE id = ?', [uuidToBin(id)])
  return rows[0]?.password as string
}

describe('user-service HTTP API on MariaDB', () => {
  before(async () => {
    service = createUserService(config)
    base = (await service.start()).url
    db = await mysql.createConnection({ host: dbSettings.host, port: dbSettings.port, user: dbSettings.user, password: dbSettings.password, database })
    const res = await call('POST', '/auth/token', { adminKey: config.ADMIN_KEY })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    admin = res.body.accessToken
  })

  // A fresh admin token for each test: with N=2^17 hashing on a busy machine this file can run
  // longer than a token lives (JWT_TTL_SECONDS, 15 min).
  beforeEach(async () => {
    const res = await call('POST', '/auth/token', { adminKey: config.ADMIN_KEY })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    admin = res.body.accessToken
  })

  after(async () => {
    await service?.stop()
    await db?.query(`DROP DATABASE IF EXISTS \`${database}\``)
    await db?.end()
  })

  describe('sign-up', () => {
    it('POST /users creates an Unconfirmed user: 201, Location, every field but the password', async () => {
      const input = newUser({ fullName: 'Alice Doe', dateOfBirth: '1990-05-01', address: '1 Main St' })
      const res = await call('POST', '/users', input)
      assert.equal(res.status, 201)
      assert.match(res.body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      assert.equal(res.headers.get('location'), `/users/${res.body.id}`)
      assert.deepEqual(Object.keys(res.body).sort(), ['address', 'createdAt', 'dateOfBirth', 'email', 'fullName', 'id', 'lastUpdated', 'passwordChangedAt', 'status', 'username'])
      assert.deepEqual(
        [res.body.username, res.body.email, res.body.fullName, res.body.dateOfBirth, res.body.address, res.body.status, res.body.passwordChangedAt],
        [input.username, input.email, 'Alice Doe', '1990-05-01', '1 Main St', 'Unconfirmed', null]
      )
      assert.equal(res.body.createdAt, res.body.lastUpdated)
      assert.ok(!JSON.stringify(res.body).includes(input.password))
    })

    it('a client cannot set status, on create or on update', async () => {
      assertJsonError(await call('POST', '/users', newUser({ status: 'Confirmed' })), 400, 'status')
      const { user, token } = await signUp()
      assertJsonError(await call('PATCH', `/users/${user.id}`, { status: 'Confirmed' }, { token }), 400, 'status')
    })

    it('stores the password as a scrypt hash that verifies, not as the text', async () => {
      const { user, password } = await signUp()
      const stored = await storedPassword(user.id)
      assert.notEqual(stored, password)
      assert.match(stored, /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/)
      assert.equal(await createScryptPasswordHasher().verify(password, stored), true)
    })
  })

  describe('sign-in', () => {
    it('by username or email, in any case, answers a Bearer token for that user', async () => {
      const input = newUser()
      const { body: user } = await call('POST', '/users', input)
      for (const login of [{ username: input.username }, { username: input.username.toUpperCase() }, { email: input.email.toUpperCase() }]) {
        const res = await call('POST', '/auth/token', { ...login, password: input.password })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.deepEqual(Object.keys(res.body).sort(), ['accessToken', 'expiresIn', 'tokenType'])
        assert.equal(res.body.tokenType, 'Bearer')
        assert.equal(res.body.expiresIn, config.JWT_TTL_SECONDS)
        assert.equal((await call('GET', `/users/${user.id}`, undefined, { token: res.body.accessToken })).status, 200)
      }
    })

    it('a wrong password and an unknown user get the same 401 (both pay for one scrypt verify)', async t => {
      const { user } = await signUp()
      const wrong = await call('POST', '/auth/token', { username: user.username, password: 'not the password' })
      const unknown = await call('POST', '/auth/token', { username: `nobody-${randomUUID()}`, password: 'not the password' })
      assertJsonError(wrong, 401, 'credentials')
      assert.deepEqual(unknown, { ...unknown, status: wrong.status, body: wrong.body })
      const unknownEmail = await call('POST', '/auth/token', { email: `nobody-${randomUUID()}@example.com`, password: 'x' })
      assert.deepEqual(unknownEmail.body, wrong.body)

      // That both verify a hash is asserted in the interactor's test (a counting hasher); here the
      // times are only reported, since a test never asserts wall-clock timings.
      const time = async (login: Record<string, string>) => {
        const started = performance.now()
        await call('POST', '/auth/token', { ...login, password: 'not the password' })
        return performance.now() - started
      }
      const other = await signUp()
      const w = await time({ username: other.user.username })
      const u = await time({ username: `nobody-${randomUUID()}` })
      t.diagnostic(`401 after ${w.toFixed(1)} ms for a wrong password, ${u.toFixed(1)} ms for an unknown user`)
    })

    it('failed sign-ins slow the next attempt (429, Retry-After 1, 2, 4, 4 s) instead of locking: once it has passed the owner\'s password works', async () => {
      const { user, password } = await signUp()
      const retryAfters: number[] = []
      for (let i = 0; i < 4; i++) {
        const login = i % 2 ? { email: user.email } : { username: user.username.toUpperCase() }
        assertJsonError(await call('POST', '/auth/token', { ...login, password: `wrong-${i}` }), 401, 'credentials')
        // Even the right password, named by username or email, waits.
        const early = await call('POST', '/auth/token', { email: user.email, password })
        assertJsonError(early, 429, 'credentials')
        assert.equal(early.body.error, 'TOO_MANY_ATTEMPTS')
        retryAfters.push(Number(early.headers.get('retry-after')))
        await waitOut(early)
      }
      assert.deepEqual(retryAfters, [1, 2, 4, 4], 'doubling per consecutive failure, capped at AUTH_DELAY_MAX_SECONDS')
      assert.ok(await signInToken({ username: user.username }, password), 'not locked: the right password works once the delay has passed')
      const other = await signUp()
      assert.ok(other.token)
    })

    it('a wrong currentPassword counts like a failed sign-in: the next sign-in and the next check wait', async () => {
      const { user, password, token } = await signUp()
      const wrong = await call('PATCH', `/users/${user.id}`, { password: 'a new password', currentPassword: 'not the password' }, { token })
      assertJsonError(wrong, 403, 'currentPassword')
      const signInEarly = await call('POST', '/auth/token', { username: user.username, password })
      assertJsonError(signInEarly, 429, 'credentials')
      assert.equal(signInEarly.body.error, 'TOO_MANY_ATTEMPTS')
      const patchEarly = await call('PATCH', `/users/${user.id}`, { password: 'a new password', currentPassword: password }, { token })
      assertJsonError(patchEarly, 429, 'currentPassword')
      assert.equal(patchEarly.body.error, 'TOO_MANY_ATTEMPTS')
      assert.equal(patchEarly.headers.get('retry-after'), '1')
      await waitOut(patchEarly)
      // A wrong sign-in counts against the PATCH's check too: one count for both.
      assertJsonError(await call('POST', '/auth/token', { username: user.username, password: 'still wrong' }), 401, 'credentials')
      const patchAfterSignIn = await call('PATCH', `/users/${user.id}`, { password: 'a new password', currentPassword: password }, { token })
      assertJsonError(patchAfterSignIn, 429, 'currentPassword')
      assert.equal(patchAfterSignIn.headers.get('retry-after'), '2')
      await waitOut(patchAfterSignIn)
      assert.equal((await call('PATCH', `/users/${user.id}`, { password: 'a new password', currentPassword: password }, { token })).status, 200)
    })

    it('a hash made with the old parameters (N=2^14) is replaced by an N=2^17 one at the next successful sign-in', async () => {
      const { user, password } = await signUp()
      assert.match(await storedPassword(user.id), /^scrypt\$131072\$8\$1\$/, 'new hashes: N=2^17, r=8, p=1')
      const old = await createScryptPasswordHasher({ N: 2 ** 14 }).hash(password)
      await db.query('UPDATE users SET password = ? WHERE id = ?', [old, uuidToBin(user.id)])
      const [[before]] = await db.query<RowDataPacket[]>('SELECT lastUpdated FROM users WHERE id = ?', [uuidToBin(user.id)])
      assertJsonError(await call('POST', '/auth/token', { username: user.username, password: 'a wrong password' }), 401, 'credentials')
      assert.equal(await storedPassword(user.id), old, 'a failed sign-in changes nothing')
      await new Promise(resolve => setTimeout(resolve, 1000)) // the 1 s delay of that failure
      await signInToken({ username: user.username }, password)
      const upgraded = await storedPassword(user.id)
      assert.match(upgraded, /^scrypt\$131072\$8\$1\$/)
      assert.equal(await createScryptPasswordHasher().verify(password, upgraded), true)
      const [[after]] = await db.query<RowDataPacket[]>('SELECT lastUpdated FROM users WHERE id = ?', [uuidToBin(user.id)])
      assert.deepEqual(after?.lastUpdated, before?.lastUpdated, 'the account did not change: no lastUpdated')
      await signInToken({ username: user.username }, password)
      assert.equal(await storedPassword(user.id), upgraded, 'upgraded once')
    })

    it('the admin key signs in as admin; a wrong one is the same 401', async () => {
      const res = await call('GET', '/users?limit=1', undefined, { token: admin })
      assert.equal(res.status, 200)
      assertJsonError(await call('POST', '/auth/token', { adminKey: `${config.ADMIN_KEY}x` }), 401, 'credentials')
    })

    it('malformed sign-ins are a 400 naming the field', async () => {
      assertJsonError(await call('POST', '/auth/token', { username: 'x' }), 400, 'password')
      assertJsonError(await call('POST', '/auth/token', { password: 'x' }), 400, 'username')
      assertJsonError(await call('POST', '/auth/token', { username: 'x', email: 'x@example.com', password: 'x' }), 400, 'username')
      assertJsonError(await call('POST', '/auth/token', { adminKey: 'x', password: 'x' }), 400, 'password')
      assertJsonError(await call('POST', '/auth/token', { username: 'x', password: 'x', extra: 1 }), 400, 'extra')
      assertJsonError(await call('POST', '/auth/token', undefined, { raw: '{"username":"\\ud800","password":"x"}' }), 400, 'username')
    })
  })

  describe('ownership', () => {
    it('GET, PATCH and DELETE /users/:id: 401 without or with a bad token, 403 with another user\'s, 2xx with the owner\'s or an admin\'s', async () => {
      const alice = await signUp()
      const bob = await signUp()
      const path = `/users/${alice.user.id}`
      for (const [method, body] of [['GET'], ['PATCH', { fullName: 'x' }], ['DELETE']] as const) {
        const none = await call(method, path, body)
        assertJsonError(none, 401, 'authorization')
        assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/)
        assertJsonError(await call(method, path, body, { token: `${alice.token}x` }), 401, 'authorization')
        assertJsonError(await call(method, path, body, { token: bob.token }), 403, 'id')
      }
      assert.deepEqual((await call('GET', path, undefined, { token: alice.token })).body, alice.user)
      assert.deepEqual((await call('GET', path.toUpperCase().replace('/USERS/', '/users/'), undefined, { token: alice.token })).body, alice.user)
      assert.deepEqual((await call('GET', path, undefined, { token: admin })).body, alice.user)
      assert.equal((await call('PATCH', path, { fullName: 'By Admin' }, { token: admin })).body.fullName, 'By Admin')
      assert.equal((await call('DELETE', path, undefined, { token: alice.token })).status, 204)
      assert.equal((await call('GET', path, undefined, { token: admin })).status, 404)
    })

    it('GET /users needs an admin token: 401 without, 403 for a user', async () => {
      const alice = await signUp()
      assertJsonError(await call('GET', '/users'), 401, 'authorization')
      assertJsonError(await call('GET', '/users', undefined, { token: alice.token }), 403, 'authorization')
    })

    it('GET /users pages through every user once, with limit, offset and total', async () => {
      const ids = new Set<string>()
      for (let i = 0; i < 3; i++) ids.add((await signUp()).user.id)
      const seen: string[] = []
      let total = Infinity
      for (let offset = 0; offset < total; offset += 2) {
        const res = await call('GET', `/users?limit=2&offset=${offset}`, undefined, { token: admin })
        assert.equal(res.status, 200)
        assert.deepEqual([res.body.limit, res.body.offset], [2, offset])
        assert.ok(res.body.items.length > 0 && res.body.items.length <= 2)
        assert.ok(res.body.items.every((u: object) => !('password' in u)))
        total = res.body.total
        seen.push(...res.body.items.map((u: { id: string }) => u.id))
      }
      assert.equal(new Set(seen).size, total, 'no user on two pages')
      for (const id of ids) assert.ok(seen.includes(id))
      const [[count]] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS c FROM users')
      assert.equal(total, Number(count?.c))
      assert.deepEqual(((await call('GET', '/users', undefined, { token: admin })).body as { limit: number, offset: number }).limit, 20)
      assertJsonError(await call('GET', '/users?limit=0', undefined, { token: admin }), 400, 'limit')
      assertJsonError(await call('GET', '/users?offset=-1', undefined, { token: admin }), 400, 'offset')
    })
  })

  describe('changing an account', () => {
    it('PATCH saves the new fullName and address, keeps the rest', async () => {
      const { user, token } = await signUp({ fullName: 'Old Name', address: 'Old Street', dateOfBirth: '1980-01-02' })
      const res = await call('PATCH', `/users/${user.id}`, { fullName: 'New Name', address: 'New Street' }, { token })
      assert.equal(res.status, 200)
      const expected = { ...user, fullName: 'New Name', address: 'New Street', lastUpdated: res.body.lastUpdated }
      assert.deepEqual(res.body, expected)
      assert.ok(res.body.lastUpdated > user.lastUpdated)
      assert.deepEqual((await call('GET', `/users/${user.id}`, undefined, { token })).body, expected)
    })

    it('email or password changes need currentPassword: 400 without, 403 wrong, 200 right', async () => {
      const { user, password, token } = await signUp()
      const path = `/users/${user.id}`
      const newEmail = `changed-${randomBytes(4).toString('hex')}@example.com`
      assertJsonError(await call('PATCH', path, { email: newEmail }, { token }), 400, 'currentPassword')
      assertJsonError(await call('PATCH', path, { password: 'a new password' }, { token }), 400, 'currentPassword')
      assertJsonError(await call('PATCH', path, { email: newEmail, currentPassword: 'wrong password' }, { token }), 403, 'currentPassword')
      assert.deepEqual((await call('GET', path, undefined, { token })).body, user)
      // That failure slows the next check by 1 s (see the attempt tests).
      await new Promise(resolve => setTimeout(resolve, 1000))

      const res = await call('PATCH', path, { password: 'a new password', currentPassword: password }, { token })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.ok(res.body.passwordChangedAt && res.body.passwordChangedAt === res.body.lastUpdated)
      assert.equal(await createScryptPasswordHasher().verify('a new password', await storedPassword(user.id)), true)
      const oldPassword = await call('POST', '/auth/token', { username: user.username, password })
      assertJsonError(oldPassword, 401, 'credentials')
      await waitOut(await call('POST', '/auth/token', { username: user.username, password: 'a new password' }))
      // The change revokes every token signed before it, the one that made it included; a new sign-in works at once.
      for (const method of ['GET', 'PATCH', 'DELETE']) {
        const stale = await call(method, path, method === 'PATCH' ? { fullName: 'stale' } : undefined, { token })
        assertJsonError(stale, 401, 'authorization')
        assert.equal(stale.body.error, 'TOKEN_REVOKED')
      }
      // Still a 401 first when the PATCH would be refused anyway (a misspelt field, a too-short password).
      for (const body of [{ fullname: 'typo' }, { password: 'short', currentPassword: 'a new password' }]) {
        const stale = await call('PATCH', path, body, { token })
        assertJsonError(stale, 401, 'authorization')
        assert.equal(stale.body.error, 'TOKEN_REVOKED')
      }
      const fresh = await signInToken({ username: user.username }, 'a new password')
      assert.equal((await call('GET', path, undefined, { token: fresh })).status, 200)
      // An admin needs none.
      assert.equal((await call('PATCH', path, { email: newEmail }, { token: admin })).body.email, newEmail)
    })

    it('clears optional fields with null; a duplicate username or email (any case) is a 409 naming it', async () => {
      const taken = await signUp()
      const { user, password, token } = await signUp({ fullName: 'Someone', address: 'Somewhere' })
      const cleared = await call('PATCH', `/users/${user.id}`, { address: null }, { token })
      assert.deepEqual([cleared.body.address, cleared.body.fullName], [null, 'Someone'])
      assertJsonError(await call('PATCH', `/users/${user.id}`, { username: taken.user.username.toUpperCase() }, { token }), 409, 'username')
      assertJsonError(await call('PATCH', `/users/${user.id}`, { email: taken.user.email.toUpperCase(), currentPassword: password }, { token }), 409, 'email')
    })

    it('a PATCH with the stored values writes nothing: lastUpdated and the row stay as they were', async () => {
      const { user, password, token } = await signUp({ fullName: 'Same', address: 'Same Street', dateOfBirth: '1970-01-01' })
      const [before] = await db.query<RowDataPacket[]>('SELECT * FROM users WHERE id = ?', [uuidToBin(user.id)])
      const same = { username: user.username, email: user.email, fullName: 'Same', address: 'Same Street', dateOfBirth: '1970-01-01' }
      for (const body of [{}, same, { ...same, password, currentPassword: password }]) {
        const res = await call('PATCH', `/users/${user.id}`, body, { token })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.deepEqual(res.body, user)
      }
      const [afterwards] = await db.query<RowDataPacket[]>('SELECT * FROM users WHERE id = ?', [uuidToBin(user.id)])
      assert.deepEqual(afterwards, before)
    })

    it('30 concurrent PATCHes of one user: each answer shows its own value', async () => {
      const { user, token } = await signUp()
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) =>
        call('PATCH', `/users/${user.id}`, { fullName: `writer ${i}`, address: `${i} Race Street` }, { token })))
      const wrong = answers.map((res, i) => [res.status, res.body.fullName, res.body.address, i] as const)
        .filter(([status, fullName, address, i]) => status !== 200 || fullName !== `writer ${i}` || address !== `${i} Race Street`)
      assert.deepEqual(wrong, [], 'answers showing another request\'s values')
    })
  })

  describe('email confirmation', () => {
    it('a minted link confirms once: 200 Confirmed, then 410; tampered 400; a link for an old address 400', async () => {
      const { user, password, token } = await signUp()
      const link = await confirmations.mint({ userId: user.id, email: user.email })
      const tampered = `${link.slice(0, -2)}${link.endsWith('A') ? 'B' : 'A'}A`
      assertJsonError(await call('GET', `/users/confirm?token=${encodeURIComponent(tampered)}`), 400, 'token')
      assertJsonError(await call('GET', '/users/confirm?token=not-a-token'), 400, 'token')
      assertJsonError(await call('GET', '/users/confirm'), 400, 'token')

      const res = await call('GET', `/users/confirm?token=${encodeURIComponent(link)}`)
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.deepEqual(res.body, { id: user.id, status: 'Confirmed' })
      assert.equal((await call('GET', `/users/${user.id}`, undefined, { token })).body.status, 'Confirmed')
      assertJsonError(await call('GET', `/users/confirm?token=${encodeURIComponent(link)}`), 410, 'token')

      // A new address: Unconfirmed again in the same write; the old address's link no longer confirms.
      const oldLink = await confirmations.mint({ userId: user.id, email: user.email })
      const newEmail = `moved-${randomBytes(4).toString('hex')}@example.com`
      const moved = await call('PATCH', `/users/${user.id}`, { email: newEmail, currentPassword: password }, { token })
      assert.deepEqual([moved.body.email, moved.body.status], [newEmail, 'Unconfirmed'])
      assertJsonError(await call('GET', `/users/confirm?token=${encodeURIComponent(oldLink)}`), 400, 'token')
      const newLink = await confirmations.mint({ userId: user.id, email: newEmail })
      assert.deepEqual((await call('GET', `/users/confirm?token=${encodeURIComponent(newLink)}`)).body, { id: user.id, status: 'Confirmed' })
      const [spent] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS c FROM used_confirmation_tokens WHERE userId = ?', [uuidToBin(user.id)])
      assert.equal(Number(spent[0]?.c), 2)
    })
    it('the 4 spellings of one link (its last base64url character) are one link: the first confirms, the rest and a reuse are 410 CONFIRMATION_USED', async () => {
      const { user } = await signUp()
      const link = await confirmations.mint({ userId: user.id, email: user.email })
      const spellings = base64urlSpellings(link)
      // 4 for an HS256 signature (2 spare bits); more if the link is ever signed otherwise.
      assert.ok(new Set(spellings).size >= 4, spellings.join('\n'))
      const answers = []
      for (const spelling of spellings) answers.push(await call('GET', `/users/confirm?token=${encodeURIComponent(spelling)}`))
      assert.deepEqual(answers[0]?.body, { id: user.id, status: 'Confirmed' })
      for (const refused of answers.slice(1)) {
        assertJsonError(refused, 410, 'token')
        assert.equal(refused.body.error, 'CONFIRMATION_USED')
      }
      const again = await call('GET', `/users/confirm?token=${encodeURIComponent(spellings[0]!)}`)
      assertJsonError(again, 410, 'token')
      assert.equal(again.body.error, 'CONFIRMATION_USED')
    })
  })

  describe('user data', () => {
    it('usernames differ by every difference but case and compatibility forms: 😀_x and 😁_x are two users, Alice, alice, ＡＬＩＣＥ one', async () => {
      const tag = randomBytes(3).toString('hex')
      for (const username of [`😀_x${tag}`, `😁_x${tag}`, `🐶_x${tag}`, `𝔸_x${tag}`, `é_x${tag}`, `e_x${tag}`, `Alice${tag}`]) {
        const res = await call('POST', '/users', newUser({ username }))
        assert.equal(res.status, 201, `${username}: ${JSON.stringify(res.body)}`)
        assert.equal(res.body.username, username)
      }
      assertJsonError(await call('POST', '/users', newUser({ username: `alice${tag}` })), 409, 'username')
      assertJsonError(await call('POST', '/users', newUser({ username: `ALICE${tag}` })), 409, 'username')
      // NFKC: fullwidth and mathematical letters are the letters they stand for.
      for (const lookalike of [`ａlice${tag}`, `ＡＬＩＣＥ${tag}`, `𝐀lice${tag}`, `𝔸_X${tag}`]) {
        const res = await call('POST', '/users', newUser({ username: lookalike }))
        assertJsonError(res, 409, 'username')
        assert.equal(res.body.error, 'DUPLICATE_USER', lookalike)
      }
      // NFC: e + U+0301 is é, stored composed.
      assertJsonError(await call('POST', '/users', newUser({ username: `e\u0301_x${tag}` })), 409, 'username')
      const composed = await call('POST', '/users', newUser({ username: `Zoe\u0308${tag}` }))
      assert.equal(composed.body.username, `Zoë${tag}`)
      const { user } = await signUp()
      assertJsonError(await call('POST', '/users', newUser({ email: user.email.toUpperCase() })), 409, 'email')
    })

    it('format, bidi and zero-width characters in a username are a 400 naming it; admin, ADMIN and ａdmin are one name', async () => {
      const tag = randomBytes(3).toString('hex')
      const name = `admin${tag}`
      for (const c of ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u202e', '\u202a', '\u2066', '\u2069', '\u200e', '\u061c', '\u180e', '\u3164', '\u034f']) {
        for (const username of [`${name}${c}`, `ad${c}min${tag}`]) {
          const res = await call('POST', '/users', newUser({ username }))
          assertJsonError(res, 400, 'username')
          assert.equal(res.body.error, 'INVALID_INPUT', JSON.stringify(username))
        }
      }
      const first = await signUp({ username: name })
      for (const same of [name.toUpperCase(), `ａdmin${tag}`, `ＡＤＭＩＮ${tag}`]) {
        const res = await call('POST', '/users', newUser({ username: same }))
        assertJsonError(res, 409, 'username')
        assert.equal(res.body.error, 'DUPLICATE_USER')
      }
      const other = await signUp()
      const renamed = await call('PATCH', `/users/${other.user.id}`, { username: `ａdmin${tag}` }, { token: other.token })
      assertJsonError(renamed, 409, 'username')
      assertJsonError(await call('PATCH', `/users/${other.user.id}`, { username: `ad\u202emin${tag}` }, { token: other.token }), 400, 'username')
      // Signing in by any spelling of the name finds the one account.
      assert.ok(await signInToken({ username: `ＡＤＭＩＮ${tag}` }, first.password))
      // Emoji keep their variation selector: ❤️ is U+2764 U+FE0F.
      assert.equal((await call('POST', '/users', newUser({ username: `\u2764\ufe0f${tag}` }))).status, 201)
    })

    it('control characters in username, fullName, address or email are a 400 naming the field', async () => {
      const bad = ['\r', '\n', '\u0000', '\t', '\u007f', '\u0085', '\u009b', '\u001b']
      for (const c of bad) {
        for (const field of ['username', 'fullName', 'address']) {
          assertJsonError(await call('POST', '/users', newUser({ [field]: `a${c}b` })), 400, field)
        }
        assertJsonError(await call('POST', '/users', newUser({ email: `a${c}b@example.com` })), 400, 'email')
      }
      const { user, token } = await signUp()
      assertJsonError(await call('PATCH', `/users/${user.id}`, { address: '1 Main St\r\nSubject: fake' }, { token }), 400, 'address')
      assertJsonError(await call('PATCH', `/users/${user.id}`, { fullName: 'x\n' }, { token }), 400, 'fullName')
    })

    it('a lone surrogate is a 400 naming the field', async () => {
      const input = newUser()
      for (const field of ['username', 'fullName', 'address', 'password']) {
        const raw = JSON.stringify({ ...input, [field]: 'x' }).replace(`"${field}":"x"`, `"${field}":"a\\ud800b"`)
        assertJsonError(await call('POST', '/users', undefined, { raw }), 400, field)
      }
      const { user, token } = await signUp()
      assertJsonError(await call('PATCH', `/users/${user.id}`, undefined, { raw: '{"fullName":"\\udfff"}', token }), 400, 'fullName')
    })

    it('birth dates from 0001-01-01 on are kept as calendar days', async () => {
      for (const dateOfBirth of ['0001-01-01', '1600-01-01', '1969-12-31']) {
        const res = await call('POST', '/users', newUser({ dateOfBirth }))
        assert.equal(res.status, 201, JSON.stringify(res.body))
        assert.equal(res.body.dateOfBirth, dateOfBirth)
      }
      assertJsonError(await call('POST', '/users', newUser({ dateOfBirth: '0000-12-31' })), 400, 'dateOfBirth')
    })

    it('bad input is a 400 naming the field', async () => {
      assertJsonError(await call('POST', '/users', newUser({ email: 'not-an-email' })), 400, 'email')
      assertJsonError(await call('POST', '/users', newUser({ dateOfBirth: '1990-02-30' })), 400, 'dateOfBirth')
      assertJsonError(await call('POST', '/users', newUser({ password: 'short' })), 400, 'password')
      assertJsonError(await call('POST', '/users', newUser({ username: 'x'.repeat(256) })), 400, 'username')
      assertJsonError(await call('POST', '/users', newUser({ fullname: 'typo' })), 400, 'fullname')
      assertJsonError(await call('POST', '/users', { email: 'a@example.com', password: 'long enough' }), 400, 'username')
      const { user, token } = await signUp()
      assertJsonError(await call('PATCH', `/users/${user.id}`, { email: 'nope' }, { token }), 400, 'email')
      assertJsonError(await call('PATCH', `/users/${user.id}`, { username: null }, { token }), 400, 'username')
    })

    it('malformed JSON is a 400 naming the body', async () => {
      assertJsonError(await call('POST', '/users', undefined, { raw: '{"username": "x",' }), 400, 'body')
      const { user, token } = await signUp()
      assertJsonError(await call('PATCH', `/users/${user.id}`, undefined, { raw: '{not json', token }), 400, 'body')
    })

    it('an id that is not a UUID is a 400 naming id; an unknown one a 404 (for an admin)', async () => {
      assertJsonError(await call('GET', '/users/not-a-uuid', undefined, { token: admin }), 400, 'id')
      assertJsonError(await call('PATCH', '/users/1234', { fullName: 'x' }, { token: admin }), 400, 'id')
      const id = randomUUID()
      assertJsonError(await call('GET', `/users/${id}`, undefined, { token: admin }), 404, 'id')
      assertJsonError(await call('PATCH', `/users/${id}`, { fullName: 'x' }, { token: admin }), 404, 'id')
      assertJsonError(await call('DELETE', `/users/${id}`, undefined, { token: admin }), 404, 'id')
    })
  })

  it('the migration is safe to run again and keeps the data', async () => {
    const { user, token } = await signUp()
    await migrate(dbSettings)
    assert.deepEqual((await call('GET', `/users/${user.id}`, undefined, { token })).body, user)
  })

  it('/health reports MariaDB', async () => {
    const res = await call('GET', '/health')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { status: 'ok', reasons: [], mariadb: 'ok' })
  })
})

describe('per-address limit of failed sign-ins', () => {
  it('after N failures from one address, any sign-in from it is a 429 with Retry-After', async () => {
    const scratch = `userdata_test_${randomBytes(4).toString('hex')}`
    const limited = createUserService(testConfig(userServiceConfigSchema, { MARIADB_DATABASE: scratch, AUTH_MAX_FAILURES_PER_ADDRESS: '4', AUTH_LOCKOUT_SECONDS: '60' }))
    const url = (await limited.start()).url
    try {
      const input = newUser()
      assert.equal((await callJson(`${url}/users`, 'POST', input)).status, 201)
      // Four different (unknown) accounts, one failure each: no account limit is reached.
      for (let i = 0; i < 4; i++) assertJsonError(await callJson(`${url}/auth/token`, 'POST', { username: `nobody-${i}`, password: 'x' }), 401, 'credentials')
      const res = await callJson(`${url}/auth/token`, 'POST', { username: input.username, password: input.password })
      assertJsonError(res, 429, 'credentials')
      const retryAfter = Number(res.headers.get('retry-after'))
      assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`)
    } finally {
      await limited.stop()
      const conn = await mysql.createConnection({ host: config.MARIADB_HOST, port: config.MARIADB_PORT, user: config.MARIADB_USER, password: config.MARIADB_PASSWORD })
      await conn.query(`DROP DATABASE IF EXISTS \`${scratch}\``)
      await conn.end()
    }
  })
})
