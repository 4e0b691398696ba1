import pg from 'pg'
import type { Pool, PoolClient } from 'pg'
import { RippleError } from '../errors/ripple.error.ts'

export type InboxResult = 'processed' | 'duplicate'

// Table names are interpolated into SQL, so only plain (optionally schema-qualified) identifiers pass.
function quoteTable (table: string): string {
  if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(table)) {
    throw new RippleError('INVALID_INBOX_TABLE', `inbox table name '${table}' must be a lower-case SQL identifier`)
  }
  return table.split('.').map(part => pg.escapeIdentifier(part)).join('.')
}

/** Creates the inbox of processed event ids if it is missing. */
export async function ensureInboxTable (pool: Pool, table: string): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS ${quoteTable(table)} (
    event_id text PRIMARY KEY,
    processed_at timestamptz NOT NULL DEFAULT now()
  )`)
}

/**
 * Runs an effect at most once per event id: the effect's writes and the event id's insert commit
 * together or not at all. The id goes in first, so a concurrent delivery of the same event waits
 * on the row lock and then sees 'duplicate' (or proceeds if this transaction rolls back).
 */
export async function withInbox (pool: Pool, table: string, eventId: string, effect: (client: PoolClient) => Promise<void>): Promise<InboxResult> {
  const quoted = quoteTable(table)
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const inserted = await client.query(`INSERT INTO ${quoted} (event_id) VALUES ($1) ON CONFLICT (event_id) DO NOTHING`, [eventId])
    if (inserted.rowCount === 0) {
      await client.query('ROLLBACK')
      return 'duplicate'
    }
    await effect(client)
    await client.query('COMMIT')
    return 'processed'
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}
