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
// invalid_catalog_name: the database does not exist.
const NO_SUCH_DATABASE = '3D000'

/**
 * A service owns its database. The stack creates it, owned by the service's own role, so this
 * only connects to it; where it is missing (a test's scratch name, run with the admin account)
 * it is created through the maintenance database, which a service's role may not enter.
 */
async function createDatabaseIfMissing (settings: PostgresSettings): Promise<void> {
  const { host, port, user, password } = settings
  const own = new pg.Client({ host, port, user, password, database: settings.database })
  try {
    await own.connect()
  } catch (error) {
    // A client whose connect failed is already closed.
    if ((error as { code?: string }).code !== NO_SUCH_DATABASE) throw error
    return createThroughMaintenanceDatabase(settings)
  }
  await own.end()
}

async function createThroughMaintenanceDatabase (settings: PostgresSettings): Promise<void> {
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
