import mysql from 'mysql2/promise'
import type { RowDataPacket } from 'mysql2/promise'
import { migrate } from '@ripple/post-service/migrations'
import { flatOut } from '../support/flat-out.ts'

export interface Connection { host: string, port: number, user: string, password: string }

// The server-wide counters of statements clients sent; each sample is one more Questions itself.
const COUNTERS = ['Questions', 'Com_select', 'Com_insert', 'Com_delete', 'Com_update', 'Com_commit'] as const
export type Counters = Record<typeof COUNTERS[number], number>

/** Samples MariaDB's global statement counters, for the load a relay adds. */
export async function statusSampler (connection: Connection) {
  const conn = await mysql.createConnection(connection)
  return {
    async sample (): Promise<{ at: number, counters: Counters }> {
      const [rows] = await conn.query<RowDataPacket[]>(`SHOW GLOBAL STATUS WHERE Variable_name IN (${COUNTERS.map(() => '?').join(', ')})`, [...COUNTERS])
      const counters = Object.fromEntries(COUNTERS.map(name => [name, Number(rows.find(r => r.Variable_name === name)?.Value ?? 0)])) as Counters
      return { at: performance.now(), counters }
    },
    close: () => conn.end()
  }
}

/** Per second between two samples, the sampler's own query taken out. */
export function ratesBetween (a: { at: number, counters: Counters }, b: { at: number, counters: Counters }): Counters {
  const seconds = (b.at - a.at) / 1000
  return Object.fromEntries(COUNTERS.map(name => [name, (b.counters[name] - a.counters[name] - (name === 'Questions' ? 1 : 0)) / seconds])) as Counters
}

export function deltaBetween (a: { counters: Counters }, b: { counters: Counters }): Counters {
  return Object.fromEntries(COUNTERS.map(name => [name, b.counters[name] - a.counters[name] - (name === 'Questions' ? 1 : 0)])) as Counters
}

export interface CeilingFigures { roundTrips: number, connections: number, seconds: number, transactions: number, perSec: number, p50Ms: number, p95Ms: number, p99Ms: number }

/**
 * MariaDB's own rate for post-service's write: BEGIN, INSERT the post, INSERT its outbox row,
 * COMMIT, from `connections` connections flat out, in a scratch database with post-service's
 * schema that no connector captures; dropped after. `roundTrips` 4 sends each statement on its
 * own (the plain two-row transaction, the goals' reference); 2 as post-service sends them (BEGIN
 * with the post's INSERT, the outbox row's INSERT with the COMMIT).
 */
export async function mariadbCeiling (o: { connection: Connection, database: string, connections: number, seconds: number, roundTrips: 2 | 4 }): Promise<CeilingFigures> {
  await migrate({ ...o.connection, database: o.database, connectionLimit: 1 })
  const pool = mysql.createPool({ ...o.connection, database: o.database, connectionLimit: o.connections, timezone: 'Z', multipleStatements: o.roundTrips === 2 })
  try {
    const { seconds, count: transactions, perSec, latency } = await flatOut(pool, o, async (conn, j, i) => {
      const createdAt = new Date()
      const post = [`ceiling-${j}`, `Ceiling ${j}.${i}`, `Content of ceiling ${j}.${i}`, createdAt]
      const POST = 'INSERT INTO posts (author_id, title, content, created_at) VALUES (?, ?, ?, ?)'
      const OUTBOX = 'INSERT INTO outbox (id, aggregatetype, aggregateid, type, event_key, payload, created_at) VALUES (UUID(), ?, ?, ?, ?, ?, ?)'
      const outboxRow = (id: number) => ['post', String(id), 'PostCreated', `ceiling-${j}`, JSON.stringify({ id, authorId: `ceiling-${j}`, title: `Ceiling ${j}.${i}`, content: `Content of ceiling ${j}.${i}`, createdAt: createdAt.toISOString() }), createdAt]
      if (o.roundTrips === 2) {
        const [opened] = await conn.query<mysql.ResultSetHeader[]>(`START TRANSACTION; ${POST}`, post)
        await conn.query(`${OUTBOX}; COMMIT`, outboxRow(opened[1]!.insertId))
        return
      }
      await conn.beginTransaction()
      const [inserted] = await conn.query<mysql.ResultSetHeader>(POST, post)
      await conn.query(OUTBOX, outboxRow(inserted.insertId))
      await conn.commit()
    })
    const ms = (p: number) => latency.getValueAtPercentile(p) / 1000
    return { roundTrips: o.roundTrips, connections: o.connections, seconds, transactions, perSec, p50Ms: ms(50), p95Ms: ms(95), p99Ms: ms(99) }
  } finally {
    await pool.query(`DROP DATABASE IF EXISTS \`${o.database}\``).catch(() => undefined)
    await pool.end()
  }
}
