import pg from 'pg'
import type { Pool } from 'pg'
import type { Logger } from '../logging/logger.ts'

export interface PostgresSettings {
  host: string
  port: number
  user: string
  password: string
  database: string
  /** Connections in the pool. */
  max?: number
}

// duplicate_database, and unique_violation when two instances create it at the same moment.
const ALREADY_EXISTS = new Set(['42P04', '23505'])

/** A service owns its database: created on first start, so a fresh stack needs no set-up step. */
async function createDatabaseIfMissing (settings: PostgresSettings): Promise<void> {
  const { host, port, user, password } = settings
  const admin = new pg.Client({ host, port, user, password, database: 'postgres' })
  await admin.connect()
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [settings.database])
    if (found.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(settings.database)}`).catch((error: { code?: string }) => {
        if (!ALREADY_EXISTS.has(error.code ?? '')) throw error
      })
    }
  } finally {
    await admin.end()
  }
}

/** Creates the database if missing and opens a pool on it. */
export async function openPostgresDatabase (settings: PostgresSettings, logger: Logger): Promise<Pool> {
  await createDatabaseIfMissing(settings)
  const pool = new pg.Pool({ ...settings, max: settings.max ?? 10 })
  // An idle client losing its connection must not crash the service; the next query reconnects.
  pool.on('error', err => logger.warn({ err }, 'idle PostgreSQL connection lost'))
  return pool
}
