import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { ensureInboxTable, withInbox } from '../../src/inbox/inbox.store.ts'
import { scratchPostgresDatabase, stack } from '@ripple/testing'

describe('inbox (PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof scratchPostgresDatabase>>
  let pool: pg.Pool

  before(async () => {
    db = await scratchPostgresDatabase('kit_inbox_')
    pool = new pg.Pool({ ...stack.postgres, database: db.name })
    await ensureInboxTable(pool, 'inbox')
    await ensureInboxTable(pool, 'inbox')
    await pool.query('CREATE TABLE effects (event_id text)')
  })
  after(async () => {
    await pool.end()
    await db.drop()
  })

  const effect = (eventId: string) => async (client: pg.PoolClient) => { await client.query('INSERT INTO effects VALUES ($1)', [eventId]) }
  const effects = async (eventId: string) => (await pool.query('SELECT 1 FROM effects WHERE event_id = $1', [eventId])).rowCount

  it('applies an effect once and reports the redelivery as a duplicate', async () => {
    assert.equal(await withInbox(pool, 'inbox', 'e-1', effect('e-1')), 'processed')
    assert.equal(await withInbox(pool, 'inbox', 'e-1', effect('e-1')), 'duplicate')
    assert.equal(await effects('e-1'), 1)
  })

  it('records nothing when the effect fails, so a retry applies it', async () => {
    await assert.rejects(withInbox(pool, 'inbox', 'e-2', async client => {
      await effect('e-2')(client)
      throw new Error('effect failed half-way')
    }), /half-way/)
    assert.equal(await effects('e-2'), 0)
    assert.equal(await withInbox(pool, 'inbox', 'e-2', effect('e-2')), 'processed')
    assert.equal(await effects('e-2'), 1)
  })

  it('lets exactly one of two concurrent deliveries apply the effect', async () => {
    const results = await Promise.all([withInbox(pool, 'inbox', 'e-3', effect('e-3')), withInbox(pool, 'inbox', 'e-3', effect('e-3'))])
    assert.deepEqual(results.sort(), ['duplicate', 'processed'])
    assert.equal(await effects('e-3'), 1)
  })

  it('refuses table names that are not plain identifiers', async () => {
    await assert.rejects(ensureInboxTable(pool, 'inbox; DROP TABLE effects'), /lower-case SQL identifier/)
  })
})
