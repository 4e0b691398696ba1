import pg from 'pg'
import type { Pool } from 'pg'

/**
 * tabela, safe to create at every start-up. Each row carries the position on carga_topic of the
 * record that wrote it (source_partition, source_offset): the upsert compares offsets, so only a
 * newer record replaces a row. REPLICA IDENTITY stays DEFAULT: the primary key is all a delete's
 * change event needs for the JDBC sink to delete the same row in MariaDB.
 *
 * The publication Debezium reads tabela through is made here because only the table's owner (or
 * a superuser) may publish a table; it holds tabela alone, so the connector sees nothing else.
 */
export async function migrate (pool: Pool, publication: string): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS tabela (
    id text PRIMARY KEY,
    valor text NOT NULL,
    updated_at timestamptz NOT NULL,
    source_partition integer NOT NULL,
    source_offset bigint NOT NULL
  )`)
  const name = pg.escapeIdentifier(publication)
  const found = await pool.query<{ published: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_publication_tables WHERE pubname = $1 AND schemaname = 'public' AND tablename = 'tabela') AS published
     FROM pg_publication WHERE pubname = $1`, [publication])
  try {
    if (found.rowCount === 0) await pool.query(`CREATE PUBLICATION ${name} FOR TABLE tabela`)
    else if (!found.rows[0]?.published) await pool.query(`ALTER PUBLICATION ${name} ADD TABLE tabela`)
  } catch (error) {
    // Another instance starting at the same moment made it (duplicate_object): it is there all the same.
    if ((error as { code?: string }).code !== '42710') throw error
  }
}
