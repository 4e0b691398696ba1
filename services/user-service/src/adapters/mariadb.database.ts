import mysql from 'mysql2/promise'
import type { Pool, PoolOptions } from 'mysql2/promise'

export interface MariaDbSettings {
  host: string
  port: number
  user: string
  password: string
  database: string
  connectionLimit: number
}

/** Options every connection to userdata shares, so the migration and the pool read values alike. */
export function connectionOptions (s: MariaDbSettings): PoolOptions {
  return {
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    // DATETIMEs are written and read as UTC, so Debezium's timestamps (which assume UTC) are true instants.
    timezone: 'Z',
    // A birth date is a calendar day: as a JS Date it would shift with the time zone.
    dateStrings: ['DATE'],
    connectTimeout: 5000
  }
}

export function createMariaDbPool (s: MariaDbSettings): Pool {
  return mysql.createPool({ ...connectionOptions(s), database: s.database, connectionLimit: s.connectionLimit })
}
