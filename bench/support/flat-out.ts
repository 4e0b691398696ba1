import type { Histogram } from 'hdr-histogram-js'
import type { Pool, PoolConnection } from 'mysql2/promise'
import { microsHistogram } from './report.ts'

export interface FlatOutFigures { seconds: number, count: number, perSec: number, latency: Histogram }

/**
 * A database's own ceiling for one write: `connections` connections run it back to back for
 * `seconds`, each its own lane (so lanes can keep to their own rows and never wait on one lock),
 * every write timed. What the services achieve is read against this, measured in the same run.
 */
export async function flatOut (pool: Pool, o: { connections: number, seconds: number }, write: (conn: PoolConnection, lane: number, i: number) => Promise<void>): Promise<FlatOutFigures> {
  const latency = microsHistogram()
  let count = 0
  const start = performance.now()
  const end = start + o.seconds * 1000
  const lane = async (j: number) => {
    const conn = await pool.getConnection()
    try {
      for (let i = 0; performance.now() < end; i++) {
        const t = performance.now()
        await write(conn, j, i)
        latency.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)))
        count++
      }
    } finally {
      conn.release()
    }
  }
  await Promise.all(Array.from({ length: o.connections }, (_, j) => lane(j)))
  const seconds = (performance.now() - start) / 1000
  return { seconds, count, perSec: count / seconds, latency }
}
