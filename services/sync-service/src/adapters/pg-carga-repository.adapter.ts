import { statementBatcher } from '@ripple/kit'
import type { Pool } from 'pg'
import type { CargaVersion, SyncOutcome } from '../entities/carga.entity.ts'
import { CargaRefusedError } from '../entities/carga.errors.ts'
import type { CargaRepository } from '../ports/carga-repository.port.ts'

// supersedes() as one statement over many versions: the row lock of ON CONFLICT makes the check
// and the write one step, so two writers of one id cannot both win; a version whose offset is not
// above the row's (a redelivery, an older record) fails the WHERE and writes nothing. RETURNING
// names the rows written.
const UPSERT = `INSERT INTO tabela AS t (id, valor, updated_at, source_partition, source_offset)
  SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::integer[], $5::bigint[])
  ON CONFLICT (id) DO UPDATE SET
    valor = EXCLUDED.valor,
    updated_at = EXCLUDED.updated_at,
    source_partition = EXCLUDED.source_partition,
    source_offset = EXCLUDED.source_offset
  WHERE t.source_offset < EXCLUDED.source_offset
  RETURNING id`

/** PostgreSQL refused a value (SQLSTATE class 22, data exception, or 23, integrity constraint). */
const refusedData = (error: unknown): boolean => /^2[23]/.test(String((error as { code?: unknown }).code ?? ''))

const byId = (a: CargaVersion, b: CargaVersion): number => a.id < b.id ? -1 : a.id > b.id ? 1 : 0

export interface PgCargaOptions {
  /** The most versions one statement writes. */
  maxBatch?: number
}

/**
 * tabela in PostgreSQL. Versions handed over in the same turn of the event loop (the consumer runs
 * many ids at once) go in one statement: one round trip and one commit for all of them. Each call
 * resolves once its own version is committed (or found stale) and rejects when it is not, so the
 * consumer retries exactly what was not written.
 */
export function createPgCargaRepository (pool: Pool, options: PgCargaOptions = {}): CargaRepository {
  async function upsert (versions: CargaVersion[]): Promise<SyncOutcome[]> {
    // Ids in one order, so two statements (a member and one that lost its partition mid-rebalance) never lock rows in opposite orders.
    const rows = [...versions].sort(byId)
    const { rows: written } = await pool.query<{ id: string }>({
      name: 'tabela-upsert',
      text: UPSERT,
      values: [
        rows.map(v => v.id),
        rows.map(v => v.valor),
        rows.map(v => v.updatedAt),
        rows.map(v => v.position.partition),
        rows.map(v => String(v.position.offset))
      ]
    })
    const applied = new Set(written.map(r => r.id))
    return versions.map(v => applied.has(v.id) ? 'applied' : 'stale')
  }

  // The same id twice in a batch goes in a statement of its own after the first (ON CONFLICT
  // cannot touch a row twice), so the later offset is compared with the earlier one's row.
  const write = statementBatcher<CargaVersion, SyncOutcome>(async versions => {
    try {
      return await upsert(versions)
    } catch (error) {
      // A version the database refuses must not fail the others of its batch at every retry: each
      // goes again alone, and only the refused one fails, as refused (dead-lettered, not retried).
      // Any other failure (the database away, a deadlock) fails the batch for the consumer to retry.
      if (!refusedData(error)) throw error
      if (versions.length === 1) throw new CargaRefusedError(versions[0]!.id, (error as Error).message, error)
      const outcomes: (SyncOutcome | Error)[] = []
      for (const v of versions) {
        outcomes.push(await upsert([v]).then(([o]) => o!, (failed: unknown) => refusedData(failed) ? new CargaRefusedError(v.id, (failed as Error).message, failed) : failed instanceof Error ? failed : new Error(String(failed))))
      }
      return outcomes
    }
  }, v => v.id, { maxBatchSize: options.maxBatch ?? 500 })

  return { write }
}
