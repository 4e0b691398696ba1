import mysql from 'mysql2/promise'
import type { RowDataPacket } from 'mysql2/promise'
import { flatOut } from '../support/flat-out.ts'

export interface CeilingFigures {
  connections: number
  seconds: number
  updates: number
  updatesPerSec: number
  p50Ms: number
  p99Ms: number
}

export const CEILING_TABLE = 'users_bench_ceiling'

/**
 * MariaDB's own rate for the service's write, as user-service makes it for a PATCH: one transaction of
 * `SELECT … FOR UPDATE`, `UPDATE ... SET address = ?, lastUpdated = ? WHERE id = ?`, the read-back and
 * `COMMIT`, from `connections` connections at once, on a copy of the bench users' rows. The copy
 * has users' schema but is not captured by the connector, so it mails no one; it is dropped after.
 */
export async function mariadbCeiling (o: {
  connection: { host: string, port: number, user: string, password: string }
  database: string
  /** Copies the users rows this LIKE pattern matches on email. */
  emailLike: string
  connections: number
  seconds: number
}): Promise<CeilingFigures> {
  const pool = mysql.createPool({ ...o.connection, database: o.database, connectionLimit: o.connections, timezone: 'Z' })
  try {
    await pool.query(`DROP TABLE IF EXISTS ${CEILING_TABLE}`)
    await pool.query(`CREATE TABLE ${CEILING_TABLE} LIKE users`)
    try {
      await pool.query(`INSERT INTO ${CEILING_TABLE} SELECT * FROM users WHERE email LIKE ?`, [o.emailLike])
      const [rows] = await pool.query<RowDataPacket[]>(`SELECT id FROM ${CEILING_TABLE}`)
      const ids = rows.map(r => r.id as Buffer)
      if (ids.length === 0) throw new Error(`no users match ${o.emailLike} to copy into ${CEILING_TABLE}`)
      // Each connection walks its own rows, so two connections never wait on one row lock.
      const { seconds, count: updates, perSec, latency } = await flatOut(pool, o, async (conn, j, i) => {
        const id = ids[(j + i * o.connections) % ids.length]!
        await conn.beginTransaction()
        await conn.query(`SELECT * FROM ${CEILING_TABLE} WHERE id = ? FOR UPDATE`, [id])
        await conn.query(`UPDATE ${CEILING_TABLE} SET address = ?, lastUpdated = ? WHERE id = ?`, [`ceiling ${j}.${i}`, new Date(), id])
        await conn.query(`SELECT * FROM ${CEILING_TABLE} WHERE id = ?`, [id])
        await conn.commit()
      })
      return {
        connections: o.connections,
        seconds,
        updates,
        updatesPerSec: perSec,
        p50Ms: latency.getValueAtPercentile(50) / 1000,
        p99Ms: latency.getValueAtPercentile(99) / 1000
      }
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${CEILING_TABLE}`)
    }
  } finally {
    await pool.end()
  }
}
