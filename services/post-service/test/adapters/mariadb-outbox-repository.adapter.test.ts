// Integration: the relay's view of the outbox against the real MariaDB, in a scratch database.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, beforeEach, describe, it } from 'node:test'
import type { Pool, RowDataPacket } from 'mysql2/promise'
import { createMariaDbPool } from '@ripple/kit'
import { createMariaDbOutboxStore } from '../../src/adapters/mariadb-outbox-repository.adapter.ts'
import { migrate } from '../../src/adapters/mariadb.migrations.ts'
import type { OutboxStore } from '../../src/ports/outbox-repository.port.ts'
import { eventually } from '@ripple/testing'
import { dropMariaDbDatabase, serviceConfig, settingsOf, unique } from '../stack.helpers.ts'

describe('MariaDB outbox store', () => {
  const database = unique('test_post_outbox_')
  const settings = settingsOf(serviceConfig({ MARIADB_DATABASE: database }))
  let pool: Pool
  const stores: OutboxStore[] = []
  const store = () => { const s = createMariaDbOutboxStore(pool, settings); stores.push(s); return s }

  async function insert (key: string, payload: string, createdAt = new Date()): Promise<string> {
    const id = randomUUID()
    await pool.query('INSERT INTO outbox (id, aggregatetype, aggregateid, type, event_key, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [id, 'post', '1', 'PostCreated', key, payload, createdAt])
    return id
  }

  before(async () => {
    await migrate(settings)
    pool = createMariaDbPool(settings)
  })
  beforeEach(async () => {
    await Promise.all(stores.splice(0).map(s => s.close()))
    // The server frees a closed connection's lock a moment after the close: no test may start
    // while the previous one's relay still holds it.
    await eventually(async () => {
      const [[row]] = await pool.query<RowDataPacket[]>('SELECT IS_FREE_LOCK(?) AS free', [`outbox-relay:${database}`.slice(0, 64)])
      assert.equal(Number(row?.free), 1)
    }, 10_000)
    await pool.query('DELETE FROM outbox')
  })
  after(async () => {
    await Promise.all(stores.map(s => s.close()))
    await pool.end()
    await dropMariaDbDatabase(database)
  })

  it('hands out pending events oldest first, payload as stored, and forgets only those marked sent', async () => {
    const relay = store()
    assert.equal(await relay.claimRelay(), true)
    const ids = [await insert('a', '{"n": 1.50, "x" : null}'), await insert('b', '{"n":2}'), await insert('a', '{"n":3}')]
    const pending = await relay.pending(2)
    assert.deepEqual(pending.map(e => e.id), ids.slice(0, 2))
    assert.equal(pending[0]!.payload, '{"n": 1.50, "x" : null}', 'byte for byte: never parsed and serialised again')
    assert.deepEqual([pending[0]!.key, pending[0]!.aggregateType, pending[0]!.type], ['a', 'post', 'PostCreated'])
    await relay.markSent(pending)
    assert.deepEqual((await relay.pending(10)).map(e => e.id), [ids[2]])
  })

  it('lets one store at a time relay a database; the next takes over once it closes', async () => {
    const first = store()
    const second = store()
    assert.equal(await first.claimRelay(), true)
    assert.equal(await second.claimRelay(), false)
    assert.equal(await first.claimRelay(), true)
    await first.close()
    // The server lets go of the lock when it has torn the closed connection down, a moment later.
    await eventually(async () => assert.equal(await second.claimRelay(), true), 10_000)
  })

  it('frees the relay when its connection dies; the old holder must claim again and finds it taken', async () => {
    const first = store()
    const second = store()
    assert.equal(await first.claimRelay(), true)
    const [[holder]] = await pool.query<RowDataPacket[]>('SELECT IS_USED_LOCK(?) AS id', [`outbox-relay:${database}`])
    await pool.query(`KILL CONNECTION ${Number(holder?.id)}`)
    assert.equal(await second.claimRelay(), true)
    await assert.rejects(first.pending(10))
    assert.equal(await first.claimRelay(), false)
  })

  it('deletes events older than a cutoff, at most `limit` at a time', async () => {
    const old = new Date('2026-01-01T00:00:00Z')
    for (let i = 0; i < 3; i++) await insert('a', '{}', old)
    const young = await insert('a', '{}', new Date('2026-06-01T00:00:00Z'))
    const outbox = store()
    assert.equal(await outbox.deleteOlderThan(new Date('2026-02-01T00:00:00Z'), 2), 2)
    assert.equal(await outbox.deleteOlderThan(new Date('2026-02-01T00:00:00Z'), 2), 1)
    assert.equal(await outbox.deleteOlderThan(new Date('2026-02-01T00:00:00Z'), 2), 0)
    assert.equal(await outbox.claimRelay(), true)
    assert.deepEqual((await outbox.pending(10)).map(e => e.id), [young])
  })
})
