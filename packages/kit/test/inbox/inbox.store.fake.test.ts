import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Pool } from 'pg'
import { ensureInboxTable, withInbox } from '../../src/inbox/inbox.store.ts'

/**
 * The inbox against an in-memory stand-in of a pg pool: one table of event ids whose inserts
 * become visible on COMMIT, with every statement recorded. The real database's locking is
 * covered by inbox.store.test.ts on the stack.
 */
function fakePool (options: { failRollback?: boolean } = {}) {
  const ids = new Set<string>()
  const statements: string[] = []
  let connections = 0
  let released = 0
  const pool = {
    query: async (sql: string) => { statements.push(sql.replace(/\s+/g, ' ').trim()); return { rowCount: 0 } },
    connect: async () => {
      connections++
      let pending: string[] = []
      return {
        query: async (sql: string, params: string[] = []) => {
          statements.push(sql)
          if (sql.startsWith('INSERT')) {
            const id = params[0]!
            if (ids.has(id) || pending.includes(id)) return { rowCount: 0 }
            pending.push(id)
            return { rowCount: 1 }
          }
          if (sql === 'COMMIT') for (const id of pending.splice(0)) ids.add(id)
          if (sql === 'ROLLBACK') {
            pending = []
            if (options.failRollback) throw new Error('connection lost')
          }
          return { rowCount: null }
        },
        release: () => { released++ }
      }
    }
  }
  return { pool: pool as unknown as Pool, ids, statements, connections: () => connections, released: () => released }
}

const INSERT = 'INSERT INTO "inbox" (event_id) VALUES ($1) ON CONFLICT (event_id) DO NOTHING'

describe('withInbox (fake pool)', () => {
  it('runs the effect and records the id in one transaction; a redelivery is a duplicate that runs nothing', async () => {
    const { pool, ids, statements, released } = fakePool()
    const runs: string[] = []
    assert.equal(await withInbox(pool, 'inbox', 'e-1', async () => { runs.push('e-1') }), 'processed')
    assert.deepEqual(statements.splice(0), ['BEGIN', INSERT, 'COMMIT'])
    assert.equal(await withInbox(pool, 'inbox', 'e-1', async () => { runs.push('again') }), 'duplicate')
    assert.deepEqual(statements, ['BEGIN', INSERT, 'ROLLBACK'])
    assert.deepEqual(runs, ['e-1'])
    assert.deepEqual([...ids], ['e-1'])
    assert.equal(released(), 2)
  })

  it('hands the effect the transaction\'s client, after the id is in', async () => {
    const { pool, statements } = fakePool()
    await withInbox(pool, 'inbox', 'e-1', async client => { await client.query('UPDATE x') })
    assert.deepEqual(statements, ['BEGIN', INSERT, 'UPDATE x', 'COMMIT'])
  })

  it('rolls back and rethrows when the effect fails, so a retry applies it', async () => {
    const { pool, ids, statements, released } = fakePool()
    await assert.rejects(withInbox(pool, 'inbox', 'e-2', async () => { throw new Error('half-way') }), /half-way/)
    assert.deepEqual(statements.splice(0), ['BEGIN', INSERT, 'ROLLBACK'])
    assert.equal(ids.size, 0)
    assert.equal(released(), 1)
    assert.equal(await withInbox(pool, 'inbox', 'e-2', async () => {}), 'processed')
  })

  it('rethrows the effect\'s error even when the rollback fails too', async () => {
    const { pool, released } = fakePool({ failRollback: true })
    await assert.rejects(withInbox(pool, 'inbox', 'e-3', async () => { throw new Error('effect failed') }), /effect failed/)
    assert.equal(released(), 1)
  })

  it('quotes a schema-qualified table part by part', async () => {
    const { pool, statements } = fakePool()
    await withInbox(pool, 'app_1.inbox_2', 'e', async () => {})
    assert.equal(statements[1], 'INSERT INTO "app_1"."inbox_2" (event_id) VALUES ($1) ON CONFLICT (event_id) DO NOTHING')
  })

  it('refuses a table name that is not a lower-case identifier before touching the pool', async () => {
    const { pool, connections } = fakePool()
    for (const name of ['Inbox', '1inbox', 'a.b.c', 'inbox; DROP TABLE x', '', 'in-box', 'a.', 'inbox ']) {
      await assert.rejects(withInbox(pool, name, 'e', async () => {}), (error: Error & { code?: string }) => error.code === 'INVALID_INBOX_TABLE' && error.message === `inbox table name '${name}' must be a lower-case SQL identifier`, name)
    }
    assert.equal(connections(), 0)
  })
})

describe('ensureInboxTable (fake pool)', () => {
  it('creates the table of processed ids if missing', async () => {
    const { pool, statements } = fakePool()
    await ensureInboxTable(pool, '_inbox')
    assert.deepEqual(statements, ['CREATE TABLE IF NOT EXISTS "_inbox" ( event_id text PRIMARY KEY, processed_at timestamptz NOT NULL DEFAULT now() )'])
  })

  it('refuses an unsafe name', async () => {
    const { pool, statements } = fakePool()
    await assert.rejects(ensureInboxTable(pool, 'x"; DROP'), /lower-case SQL identifier/)
    assert.deepEqual(statements, [])
  })
})
