import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { afterEach, describe, it } from 'node:test'
import pg from 'pg'
import { openPostgresDatabase } from '../../src/postgres/postgres.database.ts'

/** openPostgresDatabase with pg's Client and Pool swapped for recorders. */
describe('openPostgresDatabase (fake pg)', () => {
  const original = { Client: pg.Client, Pool: pg.Pool }
  afterEach(() => { Object.assign(pg, original) })

  const settings = { host: 'h', port: 5433, user: 'svc', password: 'pw', database: 'users' }
  const warnings: unknown[] = []
  const logger = { warn: (fields: unknown) => { warnings.push(fields) } } as never

  function fake (options: { connectError?: (database: string) => { code?: string } | undefined, exists?: boolean, createError?: { code?: string } }) {
    const log: string[] = []
    const pools: EventEmitter[] = []
    class Client {
      readonly database: string
      constructor (o: { host: string, port: number, user: string, password: string, database: string }) {
        this.database = o.database
        log.push(`client ${o.user}@${o.host}:${o.port}/${o.database}`)
      }

      async connect () {
        const error = options.connectError?.(this.database)
        if (error) throw Object.assign(new Error('cannot connect'), error)
        log.push(`connect ${this.database}`)
      }

      async query (sql: string, params: unknown[] = []) {
        log.push(`${sql}${params.length ? ` ${JSON.stringify(params)}` : ''}`)
        if (sql.startsWith('SELECT')) return { rowCount: options.exists ? 1 : 0 }
        if (options.createError) throw Object.assign(new Error('create failed'), options.createError)
        return { rowCount: 0 }
      }

      async end () { log.push(`end ${this.database}`) }
    }
    class Pool extends EventEmitter {
      readonly options: unknown
      constructor (o: unknown) { super(); this.options = o; pools.push(this) }
    }
    Object.assign(pg, { Client, Pool })
    return { log, pools }
  }

  it('connects to a database that exists and opens a pool of 10 on it', async () => {
    const { log, pools } = fake({})
    const pool = await openPostgresDatabase(settings, logger)
    assert.deepEqual(log, ['client svc@h:5433/users', 'connect users', 'end users'])
    assert.equal(pool, pools[0])
    assert.deepEqual((pool as unknown as { options: unknown }).options, { ...settings, max: 10 })
  })

  it('takes the pool size it is given', async () => {
    const { pools } = fake({})
    await openPostgresDatabase({ ...settings, max: 3 }, logger)
    assert.equal((pools[0] as unknown as { options: { max: number } }).options.max, 3)
  })

  it('logs an idle connection lost instead of crashing', async () => {
    const { pools } = fake({})
    await openPostgresDatabase(settings, logger)
    const err = new Error('terminated')
    pools[0]!.emit('error', err)
    assert.deepEqual(warnings.at(-1), { err })
  })

  it('creates a missing database through the maintenance database', async () => {
    const { log } = fake({ connectError: db => db === 'users' ? { code: '3D000' } : undefined })
    await openPostgresDatabase(settings, logger)
    assert.deepEqual(log, ['client svc@h:5433/users', 'client svc@h:5433/postgres', 'connect postgres', 'SELECT 1 FROM pg_database WHERE datname = $1 ["users"]', 'CREATE DATABASE "users"', 'end postgres'])
  })

  it('does not create a database another instance created meanwhile', async () => {
    const { log } = fake({ connectError: db => db === 'users' ? { code: '3D000' } : undefined, exists: true })
    await openPostgresDatabase(settings, logger)
    assert.equal(log.some(l => l.startsWith('CREATE')), false)
  })

  for (const code of ['42P04', '23505']) {
    it(`takes a creation that lost a race (${code}) as done`, async () => {
      const { log, pools } = fake({ connectError: db => db === 'users' ? { code: '3D000' } : undefined, createError: { code } })
      await openPostgresDatabase(settings, logger)
      assert.equal(pools.length, 1)
      assert.equal(log.at(-1), 'end postgres')
    })
  }

  it('fails on any other creation error, closing the maintenance connection', async () => {
    const { log, pools } = fake({ connectError: db => db === 'users' ? { code: '3D000' } : undefined, createError: { code: '42501' } })
    await assert.rejects(openPostgresDatabase(settings, logger), /create failed/)
    assert.equal(log.at(-1), 'end postgres')
    assert.equal(pools.length, 0)
  })

  it('fails on a creation error without a code', async () => {
    fake({ connectError: db => db === 'users' ? { code: '3D000' } : undefined, createError: {} })
    await assert.rejects(openPostgresDatabase(settings, logger), /create failed/)
  })

  it('fails at once on any other connection error, without the maintenance database', async () => {
    const { log, pools } = fake({ connectError: () => ({ code: '28P01' }) })
    await assert.rejects(openPostgresDatabase(settings, logger), (error: { code?: string }) => error.code === '28P01')
    assert.deepEqual(log, ['client svc@h:5433/users'])
    assert.equal(pools.length, 0)
  })
})
