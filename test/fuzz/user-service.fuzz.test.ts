// Fuzz: user-service in-process on a scratch MariaDB database (not `userdata`, which the CDC
// connector captures), 1,000 generated requests with no token, forged ones, another user's, the
// owner's and an admin's.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { confirmationTokenConfigSchema, createConfirmationTokens, loadConfig } from '@ripple/kit'
import { callJson, dropMariaDbDatabase, testAccessToken, testConfig, unique } from '@ripple/testing'
import { createUserService } from '@ripple/user-service'
import type { UserService } from '@ripple/user-service'
import { userServiceConfigSchema } from '@ripple/user-service/config'
import { answerJson, assertHealthy, assertNoFailures, fuzz, pathOf, fuzzString, idSegment, readJson, requests, sentJson } from './fuzz.support.ts'
import type { FuzzAnswer, FuzzRequest, FuzzTokens, RouteSpec } from './fuzz.support.ts'

interface Account { id: string, username: string, email: string, password: string }

describe('user-service under fuzzed requests', () => {
  const database = unique('test_fuzz_user_')
  let service: UserService
  let base: string
  const tokens: FuzzTokens = {}
  const accounts: Account[] = []
  const confirmations: string[] = []

  const signUp = async (): Promise<Account> => {
    const name = unique('fuzz_')
    const account = { username: name, email: `${name}@example.com`, password: 'correct horse battery staple' }
    const res = await callJson(`${base}/users`, 'POST', account)
    assert.equal(res.status, 201, JSON.stringify(res.body))
    return { ...account, id: res.body.id }
  }

  before(async () => {
    service = createUserService(testConfig(userServiceConfigSchema, { MARIADB_DATABASE: database, MARIADB_POOL_SIZE: '5' }))
    base = (await service.start()).url
    accounts.push(await signUp(), await signUp())
    const owner = accounts[0]!
    // Signed in through POST /auth/token, as clients do: a sign-in that fails fails the suite.
    const signedIn = await callJson(`${base}/auth/token`, 'POST', { username: owner.username, password: owner.password })
    assert.equal(signedIn.status, 200, `POST /auth/token as the owner: ${JSON.stringify(signedIn.body)}`)
    tokens.valid = signedIn.body.accessToken
    const admin = await callJson(`${base}/auth/token`, 'POST', { adminKey: process.env.ADMIN_KEY })
    assert.equal(admin.status, 200, `POST /auth/token with the admin key: ${JSON.stringify(admin.body)}`)
    tokens.admin = admin.body.accessToken
    tokens.other = await testAccessToken(randomUUID())
    const mint = createConfirmationTokens(loadConfig(confirmationTokenConfigSchema, process.env)).mint
    confirmations.push(
      await mint({ userId: owner.id, email: owner.email }),
      await mint({ userId: accounts[1]!.id, email: 'not-her-address@example.com' }),
      await mint({ userId: randomUUID(), email: 'nobody@example.com' })
    )
  })
  after(async () => {
    await service.stop()
    await dropMariaDbDatabase(database)
  })

  it('answers every request with a 2xx or a JSON 4xx, and stays healthy', async t => {
    const [owner, other] = [accounts[0]!, accounts[1]!]
    // Each field valid four times in five, else something a client should not get away with.
    const usually = <T> (valid: fc.Arbitrary<T>, ...odd: fc.Arbitrary<unknown>[]) => fc.oneof({ weight: 4, arbitrary: valid as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: fc.oneof(...odd) })
    const word = fc.stringMatching(/^[a-z0-9]{1,12}$/)
    const username = usually(
      fc.oneof(fc.stringMatching(/^[a-z0-9_]{1,20}$/), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 })),
      fc.constantFrom(owner.username, owner.username.toUpperCase(), other.username, '😀_x', '😁_x', '𝔸_x', 'İstanbul', 'ß', 'SS', 'e\u0301', 'é'), fuzzString
    )
    const email = usually(
      fc.tuple(word, word, fc.constantFrom('com', 'org', 'test', 'io')).map(([local, domain, tld]) => `${local}@${domain}.${tld}`),
      fc.emailAddress(), fc.constantFrom(owner.email, owner.email.toUpperCase(), 'a@b', 'x@[127.0.0.1]', '"a b"@example.com', 'ü@exämple.com', 'a\r\nb@example.com'), fuzzString
    )
    const password = usually(fc.string({ minLength: 8, maxLength: 40 }), fc.constantFrom(owner.password, 'short', 'x'.repeat(1024), 'x'.repeat(1025), 'pässwörd-e\u0301-long', '\ud800'.repeat(8)), fuzzString)
    const date = usually(
      fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map(d => d.toISOString().slice(0, 10)),
      fc.constantFrom('1600-01-01', '0000-01-01', '0001-01-01', '1970-01-01', '2024-02-30', '2023-02-29', '9999-12-31', '+010000-01-01', '2024-1-1', '2024-01-01T00:00:00Z', '')
    )
    const text = usually(fc.string({ unit: 'grapheme', maxLength: 60 }), fuzzString)
    const profile = { username, email, password, fullName: fc.option(text), dateOfBirth: fc.option(date), address: fc.option(text) }
    const id = idSegment([fc.constantFrom(owner.id, other.id, owner.id.toUpperCase()), fc.uuid(), fc.constantFrom('00000000-0000-0000-0000-000000000000', `${owner.id}0`, owner.id.replaceAll('-', ''))])
    const routes: RouteSpec[] = [
      {
        name: 'POST /users',
        method: 'POST',
        path: pathOf('/users', '/users/', '/Users'),
        body: fc.tuple(fc.record(profile, { requiredKeys: ['username', 'email', 'password'] }), fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('Unconfirmed', 'Confirmed', 'Admin') }))
          .map(([user, status]) => status === null ? user : { ...user, status }),
        weight: 5
      },
      {
        name: 'POST /auth/token',
        method: 'POST',
        path: fc.constant('/auth/token'),
        body: fc.oneof(
          fc.record({ username, password }, { requiredKeys: [] }),
          fc.record({ email, password }, { requiredKeys: [] }),
          fc.record({ adminKey: fc.oneof(fuzzString, fc.constant(`${process.env.ADMIN_KEY ?? ''}x`)), password: fc.option(password) }, { requiredKeys: ['adminKey'] })
        ),
        weight: 4
      },
      { name: 'GET /users', method: 'GET', path: fc.constant('/users'), auth: true, query: { limit: fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), fc.constantFrom('1e2', '-0', 'NaN', '')), offset: fc.oneof(fc.nat().map(String), fc.constantFrom('-1', '1e400', '9007199254740993')) }, weight: 2 },
      { name: 'GET /users/:id', method: 'GET', path: id.map(i => `/users/${i}`), auth: true, weight: 3 },
      { name: 'PATCH /users/:id', method: 'PATCH', path: id.map(i => `/users/${i}`), auth: true, body: fc.record({ ...profile, currentPassword: password, status: fc.constantFrom('Unconfirmed', 'Confirmed') }, { requiredKeys: [] }), weight: 4 },
      // Rarely with the owner's id, so most of the run has an account to act on.
      { name: 'DELETE /users/:id', method: 'DELETE', path: idSegment([fc.constantFrom(other.id), fc.uuid()]).map(i => `/users/${i}`), auth: true, weight: 1 },
      { name: 'GET /users/confirm', method: 'GET', path: fc.constant('/users/confirm'), query: { token: fc.oneof(fc.constantFrom(...confirmations), fuzzString, fc.constantFrom('a.b.c', 'eyJhbGciOiJub25lIn0.e30.', '')) }, weight: 2 },
      { name: 'GET /health|/metrics', method: 'GET', path: fc.constantFrom('/health', '/metrics'), weight: 1 }
    ]
    // An account reads back (as an admin) as answered, each field as sent with the service's
    // normalisation (NFC; names and addresses trimmed); a deleted one is gone.
    const shown = (value: unknown) => typeof value === 'string' ? value.normalize('NFC').trim() : value ?? null
    const asSent: Record<string, (value: unknown) => unknown> = {
      username: shown, fullName: shown, address: shown, email: v => (v as string).normalize('NFC'), dateOfBirth: v => v ?? null
    }
    const readBack = async (r: FuzzRequest, answer: FuzzAnswer) => {
      if (r.note === 'POST /auth/token') return // a sign-in stores nothing
      const id = r.method === 'POST' ? (answerJson(answer) as { id: string }).id : decodeURIComponent(r.path.split('?')[0]!.split('/')[2]!).toLowerCase()
      const stored = await readJson(base, `/users/${id}`, tokens.admin)
      if (r.method === 'DELETE') {
        assert.equal(stored.status, 404, `deleted, yet GET answers ${JSON.stringify(stored.body)}`)
        return
      }
      assert.deepEqual(stored, { status: 200, body: answerJson(answer) }, 'GET /users/:id shows the account as answered')
      const sent = sentJson(r) as Record<string, unknown>
      for (const [field, expected] of Object.entries(asSent)) {
        if (field in sent) assert.deepEqual((stored.body as Record<string, unknown>)[field], expected(sent[field]), `${field} stored as sent`)
      }
    }
    const report = await fuzz({ name: 'user-service', base, arbitrary: requests(routes, tokens), readBack, log: line => t.diagnostic(line) })
    await assertHealthy(base)
    assertNoFailures(report)
  })
})
