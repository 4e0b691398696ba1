// Integration: the whole service on a free port against the real MariaDB, in a scratch database.
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { assertJsonError, callJson, testConfig } from '@ripple/testing'
import mysql from 'mysql2/promise'
import type { RowDataPacket } from 'mysql2/promise'
import { createUserService } from '../../src/app.ts'
import type { UserService } from '../../src/app.ts'
import { userServiceConfigSchema } from '../../src/config.ts'
import { migrate, USER_DB_OPTIONS } from '../../src/adapters/mariadb.migrations.ts'
import { createScryptPasswordHasher } from '../../src/adapters/scrypt-password-hasher.adapter.ts'
import { uuidToBin } from '../../src/adapters/uuid.codec.ts'

const database = `userdata_test_${randomBytes(4).toString('hex')}`
const config = testConfig(userServiceConfigSchema, { MARIADB_DATABASE: database })
const dbSettings = { host: config.MARIADB_HOST, port: config.MARIADB_PORT, user: config.MARIADB_USER, password: config.MARIADB_PASSWORD, database, connectionLimit: 1, options: USER_DB_OPTIONS }

let service: UserService
let base: string
let db: mysql.Connection

const call = (method: string, path: string, body?: unknown, raw?: string) => callJson(base + path, method, body, { raw })

let n = 0
/** A valid new user whose username and email no other test uses. */
function newUser (extra: Record<string, unknown> = {}) {
  n++
  return { username: `user${n}`, email: `user${n}@example.com`, password: `password-${n}`, ...extra }
}

interface UserJson { id: string, username: string, email: string, lastUpdated: string, [field: string]: unknown }

async function create (extra: Record<string, unknown> = {}): Promise<UserJson> {
  const res = await call('POST', '/users', newUser(extra))
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body as UserJson
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
  })

  after(async () => {
    await service?.stop()
    await db?.query(`DROP DATABASE IF EXISTS \`${database}\``)
    await db?.end()
  })

  it('POST /users creates the user: 201, Location, every field but the password', async () => {
    const input = newUser({ fullName: 'Alice Doe', dateOfBirth: '1990-05-01', address: '1 Main St' })
    const res = await call('POST', '/users', input)
    assert.equal(res.status, 201)
    assert.match(res.body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    assert.equal(res.headers.get('location'), `/users/${res.body.id}`)
    assert.deepEqual(Object.keys(res.body).sort(), ['address', 'createdAt', 'dateOfBirth', 'email', 'fullName', 'id', 'lastUpdated', 'status', 'username'])
    assert.deepEqual(
      [res.body.username, res.body.email, res.body.fullName, res.body.dateOfBirth, res.body.address, res.body.status],
      [input.username, input.email, 'Alice Doe', '1990-05-01', '1 Main St', 'Unconfirmed']
    )
    assert.equal(res.body.createdAt, res.body.lastUpdated)
    assert.ok(!JSON.stringify(res.body).includes(input.password))
  })

  it('stores the password as a scrypt hash that verifies, not as the text', async () => {
    const input = newUser()
    const { body } = await call('POST', '/users', input)
    const stored = await storedPassword(body.id)
    assert.notEqual(stored, input.password)
    assert.match(stored, /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/)
    assert.equal(await createScryptPasswordHasher().verify(input.password, stored), true)
  })

  it('GET /users/:id answers the user as created', async () => {
    const user = await create({ fullName: 'Get Me' })
    const res = await call('GET', `/users/${user.id}`)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, user)
  })

  it('GET /users pages through every user once, with limit, offset and total', async () => {
    const ids = new Set<string>()
    for (let i = 0; i < 3; i++) ids.add((await create()).id)
    const seen: string[] = []
    let total = Infinity
    for (let offset = 0; offset < total; offset += 2) {
      const res = await call('GET', `/users?limit=2&offset=${offset}`)
      assert.equal(res.status, 200)
      assert.equal(res.body.limit, 2)
      assert.equal(res.body.offset, offset)
      assert.ok(res.body.items.length <= 2)
      assert.ok(res.body.items.length > 0)
      assert.ok(res.body.items.every((u: object) => !('password' in u)))
      total = res.body.total
      seen.push(...res.body.items.map((u: { id: string }) => u.id))
    }
    assert.equal(seen.length, total)
    assert.equal(new Set(seen).size, total, 'no user on two pages')
    for (const id of ids) assert.ok(seen.includes(id))
    const [[count]] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS c FROM users')
    assert.equal(total, Number(count?.c))
  })

  it('GET /users without paging uses limit 20 offset 0; a bad limit is a 400 naming it', async () => {
    const res = await call('GET', '/users')
    assert.equal(res.status, 200)
    assert.deepEqual([res.body.limit, res.body.offset], [20, 0])
    assertJsonError(await call('GET', '/users?limit=0'), 400, 'limit')
    assertJsonError(await call('GET', '/users?offset=-1'), 400, 'offset')
  })

  it('PATCH /users/:id saves the new fullName and address, keeps the rest', async () => {
    const user = await create({ fullName: 'Old Name', address: 'Old Street', dateOfBirth: '1980-01-02' })
    const res = await call('PATCH', `/users/${user.id}`, { fullName: 'New Name', address: 'New Street' })
    assert.equal(res.status, 200)
    const expected = { ...user, fullName: 'New Name', address: 'New Street', lastUpdated: res.body.lastUpdated }
    assert.deepEqual(res.body, expected)
    assert.ok(res.body.lastUpdated >= user.lastUpdated)
    assert.deepEqual((await call('GET', `/users/${user.id}`)).body, expected)
    const [rows] = await db.query<RowDataPacket[]>('SELECT fullName, address FROM users WHERE id = ?', [uuidToBin(user.id)])
    assert.deepEqual({ ...rows[0] }, { fullName: 'New Name', address: 'New Street' })
  })

  it('PATCH /users/:id changes status, clears optional fields with null, re-hashes a new password', async () => {
    const user = await create({ fullName: 'Someone', address: 'Somewhere' })
    const before = await storedPassword(user.id)
    const res = await call('PATCH', `/users/${user.id}`, { status: 'Confirmed', address: null, password: 'a new password' })
    assert.equal(res.status, 200)
    assert.deepEqual([res.body.status, res.body.address, res.body.fullName], ['Confirmed', null, 'Someone'])
    const after = await storedPassword(user.id)
    assert.notEqual(after, before)
    assert.equal(await createScryptPasswordHasher().verify('a new password', after), true)
  })

  it('a duplicate username or email is a 409 naming the field, on create and on update', async () => {
    const taken = await create()
    assertJsonError(await call('POST', '/users', newUser({ username: taken.username })), 409, 'username')
    assertJsonError(await call('POST', '/users', newUser({ email: taken.email.toUpperCase() })), 409, 'email')
    const other = await create()
    assertJsonError(await call('PATCH', `/users/${other.id}`, { username: taken.username }), 409, 'username')
    assertJsonError(await call('PATCH', `/users/${other.id}`, { email: taken.email }), 409, 'email')
    assert.deepEqual((await call('GET', `/users/${other.id}`)).body, other)
  })

  it('bad input is a 400 naming the field', async () => {
    assertJsonError(await call('POST', '/users', newUser({ email: 'not-an-email' })), 400, 'email')
    assertJsonError(await call('POST', '/users', newUser({ dateOfBirth: '1990-02-30' })), 400, 'dateOfBirth')
    assertJsonError(await call('POST', '/users', newUser({ status: 'Deleted' })), 400, 'status')
    assertJsonError(await call('POST', '/users', newUser({ password: 'short' })), 400, 'password')
    assertJsonError(await call('POST', '/users', newUser({ username: 'x'.repeat(256) })), 400, 'username')
    assertJsonError(await call('POST', '/users', newUser({ fullname: 'typo' })), 400, 'fullname')
    assertJsonError(await call('POST', '/users', { email: 'a@example.com', password: 'long enough' }), 400, 'username')
    const user = await create()
    assertJsonError(await call('PATCH', `/users/${user.id}`, { email: 'nope' }), 400, 'email')
    assertJsonError(await call('PATCH', `/users/${user.id}`, { username: null }), 400, 'username')
  })

  it('malformed JSON is a 400 naming the body', async () => {
    assertJsonError(await call('POST', '/users', undefined, '{"username": "x",'), 400, 'body')
    const user = await create()
    assertJsonError(await call('PATCH', `/users/${user.id}`, undefined, '{not json'), 400, 'body')
  })

  it('an id that is not a UUID is a 400 naming id', async () => {
    assertJsonError(await call('GET', '/users/not-a-uuid'), 400, 'id')
    assertJsonError(await call('PATCH', '/users/1234', { fullName: 'x' }), 400, 'id')
    assertJsonError(await call('DELETE', '/users/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz'), 400, 'id')
  })

  it('an unknown id is a 404', async () => {
    const id = randomUUID()
    assertJsonError(await call('GET', `/users/${id}`), 404, 'id')
    assertJsonError(await call('PATCH', `/users/${id}`, { fullName: 'x' }), 404, 'id')
    assertJsonError(await call('DELETE', `/users/${id}`), 404, 'id')
  })

  it('DELETE /users/:id answers 204, then the user is gone', async () => {
    const user = await create()
    const res = await call('DELETE', `/users/${user.id}`)
    assert.equal(res.status, 204)
    assert.equal(res.body, undefined)
    assert.equal((await call('GET', `/users/${user.id}`)).status, 404)
    assert.equal((await call('DELETE', `/users/${user.id}`)).status, 404)
  })

  it('the migration is safe to run again and keeps the data', async () => {
    const user = await create()
    await migrate(dbSettings)
    assert.deepEqual((await call('GET', `/users/${user.id}`)).body, user)
  })

  it('/health reports MariaDB', async () => {
    const res = await call('GET', '/health')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { status: 'ok', reasons: [], mariadb: 'ok' })
  })
})
