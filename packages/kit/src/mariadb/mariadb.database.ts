import mysql from 'mysql2/promise'
import type { Connection, ConnectionOptions, Pool } from 'mysql2/promise'

export interface MariaDbSettings {
  host: string
  port: number
  user: string
  password: string
  database: string
  connectionLimit?: number
  /** How this service's connections read values (e.g. `dateStrings`, `jsonStrings`), on top of the shared ones. */
  options?: ConnectionOptions
}

// Strict whatever the server's default: a value too long for its column fails the statement, and
// with it the transaction, instead of being cut short with a warning.
const SQL_MODE = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'

/** Options every connection shares, so migrations, pools and single connections read values alike. */
function connectionOptions (s: MariaDbSettings): ConnectionOptions {
  return {
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    // DATETIMEs are written and read as UTC, which is how Debezium reads them into event timestamps.
    timezone: 'Z',
    connectTimeout: 5000,
    charset: 'utf8mb4_unicode_ci',
    ...s.options
  }
}

/** A pool on the service's database; every connection is made strict before it serves anything. */
export function createMariaDbPool (s: MariaDbSettings): Pool {
  const pool = mysql.createPool({ ...connectionOptions(s), database: s.database, connectionLimit: s.connectionLimit ?? 10 })
  // Queued before the connection serves anything; one that cannot be made strict is not used.
  pool.pool.on('connection', conn => {
    conn.query(`SET SESSION sql_mode = '${SQL_MODE}'`, error => { if (error) conn.destroy() })
  })
  return pool
}

/** One strict connection of its own (e.g. to hold a named lock for as long as it lives). */
export async function createMariaDbConnection (s: MariaDbSettings): Promise<Connection> {
  const conn = await mysql.createConnection({ ...connectionOptions(s), database: s.database })
  await conn.query(`SET SESSION sql_mode = '${SQL_MODE}'`)
  return conn
}

/**
 * A service owns its database: created if missing (utf8mb4), then its schema statements run, each
 * written to be safe at every start-up (`CREATE TABLE IF NOT EXISTS`).
 */
export async function migrateMariaDbDatabase (s: MariaDbSettings, statements: string[]): Promise<void> {
  // The database may not exist yet, so this connection names none.
  const conn = await mysql.createConnection(connectionOptions(s))
  try {
    // Identifiers cannot be parameters; service configs only admit [A-Za-z0-9_] names.
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${s.database.replaceAll('`', '')}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
    await conn.query(`USE \`${s.database.replaceAll('`', '')}\``)
    for (const statement of statements) await conn.query(statement)
  } finally {
    await conn.end()
  }
}
