import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { afterEach, describe, it } from 'node:test'
import mysql from 'mysql2/promise'
import { createMariaDbConnection, createMariaDbPool, migrateMariaDbDatabase } from '../../src/mariadb/mariadb.database.ts'

/** The MariaDB adapters with mysql2's factories swapped for recorders. */
describe('MariaDB connections (fake mysql2)', () => {
  const original = { createPool: mysql.createPool, createConnection: mysql.createConnection }
  afterEach(() => { Object.assign(mysql, original) })

  const settings = { host: 'h', port: 3307, user: 'svc', password: 'pw', database: 'orders' }
  const STRICT = "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'"
  const shared = { host: 'h', port: 3307, user: 'svc', password: 'pw', timezone: 'Z', connectTimeout: 5000, charset: 'utf8mb4_unicode_ci' }

  function fakeConnection (failOn?: string) {
    const queries: string[] = []
    let options: unknown
    let ended = false
    Object.assign(mysql, {
      createConnection: async (o: unknown) => {
        options = o
        return {
          query: async (sql: string) => { queries.push(sql); if (sql === failOn) throw new Error('refused') },
          end: async () => { ended = true }
        }
      }
    })
    return { queries, options: () => options, ended: () => ended }
  }

  it('opens a pool of 10 on the database with the shared options, each connection made strict first', () => {
    let options: unknown
    const inner = new EventEmitter()
    Object.assign(mysql, { createPool: (o: unknown) => { options = o; return { pool: inner } } })
    createMariaDbPool(settings)
    assert.deepEqual(options, { ...shared, database: 'orders', connectionLimit: 10 })
    const queries: string[] = []
    let destroyed = 0
    const connection = (fail: boolean) => ({ query: (sql: string, done: (error: Error | null) => void) => { queries.push(sql); done(fail ? new Error('no') : null) }, destroy: () => { destroyed++ } })
    inner.emit('connection', connection(false))
    assert.deepEqual(queries, [STRICT])
    assert.equal(destroyed, 0)
    inner.emit('connection', connection(true))
    assert.equal(destroyed, 1, 'a connection that cannot be made strict is not used')
  })

  it('takes the pool size and the service\'s own options on top of the shared ones', () => {
    let options: Record<string, unknown> = {}
    Object.assign(mysql, { createPool: (o: Record<string, unknown>) => { options = o; return { pool: new EventEmitter() } } })
    createMariaDbPool({ ...settings, connectionLimit: 3, options: { dateStrings: true, connectTimeout: 100 } })
    assert.equal(options.connectionLimit, 3)
    assert.equal(options.dateStrings, true)
    assert.equal(options.connectTimeout, 100)
  })

  it('opens one strict connection on the database', async () => {
    const { queries, options } = fakeConnection()
    await createMariaDbConnection(settings)
    assert.deepEqual(options(), { ...shared, database: 'orders' })
    assert.deepEqual(queries, [STRICT])
  })

  it('creates the database if missing (utf8mb4), then runs the schema statements in order', async () => {
    const { queries, options, ended } = fakeConnection()
    await migrateMariaDbDatabase({ ...settings, database: 'ord`ers' }, ['CREATE TABLE a (id int)', 'CREATE TABLE b (id int)'])
    assert.deepEqual(options(), shared, 'a connection naming no database: it may not exist yet')
    assert.deepEqual(queries, ['CREATE DATABASE IF NOT EXISTS `orders` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci', 'USE `orders`', 'CREATE TABLE a (id int)', 'CREATE TABLE b (id int)'])
    assert.equal(ended(), true)
  })

  it('closes the connection when a statement fails', async () => {
    const { queries, ended } = fakeConnection('CREATE TABLE a (id int)')
    await assert.rejects(migrateMariaDbDatabase(settings, ['CREATE TABLE a (id int)', 'CREATE TABLE b (id int)']), /refused/)
    assert.equal(queries.length, 3)
    assert.equal(ended(), true)
  })
})
