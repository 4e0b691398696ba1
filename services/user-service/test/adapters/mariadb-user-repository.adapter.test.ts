// Integration: the repository on the real MariaDB, in a scratch database.
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createMariaDbPool } from '@ripple/kit'
import { testConfig } from '@ripple/testing'
import mysql from 'mysql2/promise'
import type { Pool, RowDataPacket } from 'mysql2/promise'
import { createMariaDbUserRepository, DatabaseError } from '../../src/adapters/mariadb-user-repository.adapter.ts'
import { migrate, USER_DB_OPTIONS } from '../../src/adapters/mariadb.migrations.ts'
import { uuidToBin } from '../../src/adapters/uuid.codec.ts'
import { userServiceConfigSchema } from '../../src/config.ts'
import type { User } from '../../src/entities/user.entity.ts'
import { ok } from '@ripple/kit/domain'

const config = testConfig(userServiceConfigSchema)
const server = { host: config.MARIADB_HOST, port: config.MARIADB_PORT, user: config.MARIADB_USER, password: config.MARIADB_PASSWORD }
const scratch = () => `userdata_test_${randomBytes(4).toString('hex')}`
const HASH = 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA=='

const user = (overrides: Partial<User> = {}): User => {
  const tag = randomBytes(4).toString('hex')
  const at = new Date()
  return { id: randomUUID(), username: `u-${tag}`, email: `u-${tag}@example.com`, fullName: null, dateOfBirth: null, address: null, status: 'Unconfirmed', createdAt: at, lastUpdated: at, passwordChangedAt: null, ...overrides }
}

describe('MariaDB user repository', () => {
  const database = scratch()
  let pool: Pool
  let admin: mysql.Connection

  before(async () => {
    await migrate({ ...server, database, options: USER_DB_OPTIONS })
    pool = createMariaDbPool({ ...server, database, connectionLimit: 4, options: USER_DB_OPTIONS })
    admin = await mysql.createConnection(server)
  })

  after(async () => {
    await pool?.end()
    await admin?.query(`DROP DATABASE IF EXISTS \`${database}\``)
    await admin?.end()
  })

  it('a refused INSERT throws an error without the statement, its values or the hash', async () => {
    const repo = createMariaDbUserRepository(pool)
    const e = await repo.insert(user({ fullName: 'x'.repeat(300) }), HASH).then(() => undefined, (error: unknown) => error)
    assert.ok(e instanceof DatabaseError, String(e))
    assert.equal(e.code, 'ER_DATA_TOO_LONG')
    assert.equal(e.cause, undefined)
    const everything = JSON.stringify({ ...e, message: e.message, stack: e.stack })
    assert.ok(!everything.includes(HASH) && !everything.includes('scrypt$'), everything)
    assert.ok(!/INSERT/i.test(everything))
  })

  it('a plan that changes nothing leaves the row untouched; one that does writes it and lastUpdated', async () => {
    const repo = createMariaDbUserRepository(pool)
    const u = user()
    assert.ok((await repo.insert(u, HASH)).ok)
    const later = new Date(Date.now() + 5000)
    const same = await repo.update(u.id, later, async () => ok({}))
    assert.ok(same.ok)
    assert.equal(same.value.lastUpdated.getTime(), u.lastUpdated.getTime())
    const changed = await repo.update(u.id, later, async () => ok({ fullName: 'New' }))
    assert.ok(changed.ok)
    assert.deepEqual([changed.value.fullName, changed.value.lastUpdated.getTime()], ['New', later.getTime()])
  })

  it('a spent token is refused the second time, and not spent when the plan refuses', async () => {
    const repo = createMariaDbUserRepository(pool)
    const u = user()
    assert.ok((await repo.insert(u, HASH)).ok)
    const spendToken = randomBytes(32)
    const refused = await repo.update(u.id, new Date(), async () => ({ ok: false as const, error: 'no' }), { spendToken })
    assert.deepEqual(refused, { ok: false, error: 'no' })
    assert.ok((await repo.update(u.id, new Date(), async () => ok({ status: 'Confirmed' as const }), { spendToken })).ok)
    const again = await repo.update(u.id, new Date(), async () => ok({}), { spendToken })
    assert.ok(!again.ok && (again.error as Error).name === 'ConfirmationUsedError')
  })
})

describe('migration of a users table from before issue 10', () => {
  it('adds passwordChangedAt, drops the collation-based UNIQUE keys, and gives existing users their identity keys', async () => {
    const database = scratch()
    const conn = await mysql.createConnection(server)
    try {
      await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
      await conn.query(`USE \`${database}\``)
      await conn.query(`CREATE TABLE users (
        id BINARY(16) NOT NULL PRIMARY KEY, username VARCHAR(255) NOT NULL, email VARCHAR(255) NOT NULL, password VARCHAR(255) NOT NULL,
        fullName VARCHAR(255), dateOfBirth DATE, address VARCHAR(255), createdAt DATETIME(6) NOT NULL, lastUpdated DATETIME(6) NOT NULL,
        status ENUM('Unconfirmed', 'Confirmed') NOT NULL,
        UNIQUE KEY uq_users_username (username), UNIQUE KEY uq_users_email (email)) ENGINE=InnoDB`)
      const id = randomUUID()
      await conn.query("INSERT INTO users VALUES (?, 'OldTimer', 'Old@Example.com', ?, NULL, NULL, NULL, NOW(6), NOW(6), 'Confirmed')", [uuidToBin(id), HASH])

      await migrate({ ...server, database, options: USER_DB_OPTIONS })
      await migrate({ ...server, database, options: USER_DB_OPTIONS })

      const [columns] = await conn.query<RowDataPacket[]>("SELECT COLUMN_TYPE AS type, IS_NULLABLE AS nullable FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'users' AND COLUMN_NAME = 'passwordChangedAt'", [database])
      assert.deepEqual(columns.map(c => [c.type, c.nullable]), [['datetime(6)', 'YES']])
      const [indexes] = await conn.query<RowDataPacket[]>("SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'users'", [database])
      assert.deepEqual(indexes.map(i => i.name), ['PRIMARY'])

      const pool = createMariaDbPool({ ...server, database, connectionLimit: 1, options: USER_DB_OPTIONS })
      try {
        const repo = createMariaDbUserRepository(pool)
        const found = await repo.findForSignIn({ email: 'old@example.com' })
        assert.deepEqual([found?.id, found?.username, found?.passwordHash, found?.passwordChangedAt], [id, 'OldTimer', HASH, null])
        const clash = await repo.insert(user({ username: 'oldtimer' }), HASH)
        assert.ok(!clash.ok && clash.error.field === 'username')
      } finally {
        await pool.end()
      }
    } finally {
      await conn.query(`DROP DATABASE IF EXISTS \`${database}\``)
      await conn.end()
    }
  })
})
