import type { Connection, Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import { createMariaDbConnection, RippleError } from '@ripple/kit'
import type { MariaDbSettings } from '@ripple/kit'
import type { OutboxStore, PendingEvent } from '../ports/outbox-repository.port.ts'

interface OutboxRow extends RowDataPacket {
  seq: number
  id: string
  aggregatetype: string
  aggregateid: string
  type: string
  event_key: string
  payload: string
  created_at: Date
}

const toPending = (row: OutboxRow): PendingEvent => ({
  position: Number(row.seq),
  id: row.id,
  aggregateType: row.aggregatetype,
  aggregateId: row.aggregateid,
  type: row.type,
  key: row.event_key,
  payload: row.payload,
  createdAt: row.created_at
})

/**
 * The outbox table. The relay's reads and deletes go through one connection of its own that holds
 * a MariaDB named lock (GET_LOCK) for this database: of several post-service instances only one
 * relays at a time, and the lock goes with the connection, so a relay that dies or loses its
 * connection frees it for another.
 */
export function createMariaDbOutboxStore (pool: Pool, settings: MariaDbSettings): OutboxStore {
  // Names the database so relays of other outboxes on the server (tests, benches) never wait on this one; MariaDB keeps 64 characters.
  const lockName = `outbox-relay:${settings.database}`.slice(0, 64)
  let relay: { conn: Connection, holds: boolean } | undefined

  const drop = () => {
    const lost = relay
    relay = undefined
    lost?.conn.destroy()
  }

  /** Runs on the relay's connection; any failure drops it (and so the lock) to start afresh. */
  async function onRelay<T> (work: (conn: Connection) => Promise<T>, needLock = true): Promise<T> {
    if (!relay) {
      if (needLock) throw new RippleError('RELAY_LOCK_LOST', 'the outbox relay lost its connection and lock; it claims them again', { canRetry: true })
      const conn = await createMariaDbConnection(settings)
      const state = { conn, holds: false }
      conn.on('error', () => { if (relay === state) relay = undefined })
      relay = state
    }
    try {
      return await work(relay.conn)
    } catch (error) {
      drop()
      throw error
    }
  }

  return {
    async claimRelay () {
      if (relay?.holds) return true
      const got = await onRelay(async conn => {
        const [rows] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got', [lockName])
        return Number(rows[0]?.got) === 1
      }, false)
      if (relay) relay.holds = got
      return got
    },

    async pending (limit) {
      const [rows] = await onRelay(conn => conn.query<OutboxRow[]>(
        'SELECT seq, id, aggregatetype, aggregateid, type, event_key, payload, created_at FROM outbox ORDER BY seq LIMIT ?', [limit]))
      return rows.map(toPending)
    },

    async markSent (events) {
      if (events.length === 0) return
      await onRelay(conn => conn.query('DELETE FROM outbox WHERE seq IN (?)', [events.map(e => e.position)]))
    },

    async deleteOlderThan (cutoff, limit) {
      const [result] = await pool.query<ResultSetHeader>('DELETE FROM outbox WHERE created_at < ? ORDER BY created_at LIMIT ?', [cutoff, limit])
      return result.affectedRows
    },

    async close () {
      const closing = relay
      relay = undefined
      // Ending the connection releases the lock at once.
      await closing?.conn.end().catch(() => closing.conn.destroy())
    }
  }
}
