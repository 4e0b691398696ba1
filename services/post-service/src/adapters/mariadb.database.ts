import mysql from 'mysql2/promise'
import type { ConnectionOptions, Pool } from 'mysql2/promise'

export interface MariaDbSettings {
  host: string
  port: number
  user: string
  password: string
  database: string
  connectionLimit: number
}

// Strict whatever the server's default: a value too long for its column fails the statement,
// and with it the transaction, instead of being cut short with a warning.
const SQL_MODE = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'

/** Options every connection shares, so the migration, the pool and the relay read values alike. */
export function connectionOptions (s: MariaDbSettings): ConnectionOptions {
  return {
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    // DATETIMEs are written and read as UTC, which is how Debezium reads them into event timestamps.
    timezone: 'Z',
    connectTimeout: 5000,
    // The outbox payload is published as the text stored, never re-serialised from a parse of it.
    jsonStrings: true,
    charset: 'utf8mb4_unicode_ci'
  }
}

export async function setSessionMode (query: (sql: string) => Promise<unknown>): Promise<void> {
  await query(`SET SESSION sql_mode = '${SQL_MODE}'`)
}

export function createMariaDbPool (s: MariaDbSettings): Pool {
  const pool = mysql.createPool({ ...connectionOptions(s), database: s.database, connectionLimit: s.connectionLimit })
  // Queued before the connection serves anything; one that cannot be made strict is not used.
  pool.pool.on('connection', conn => {
    conn.query(`SET SESSION sql_mode = '${SQL_MODE}'`, error => { if (error) conn.destroy() })
  })
  return pool
}

export async function createMariaDbConnection (s: MariaDbSettings): Promise<mysql.Connection> {
  const conn = await mysql.createConnection({ ...connectionOptions(s), database: s.database })
  await setSessionMode(sql => conn.query(sql))
  return conn
}
