import type { Pool } from 'pg'
import { mergeJobView } from '../entities/job-view.entity.ts'
import type { JobEvent, JobStatus, JobView } from '../entities/job-view.entity.ts'
import type { JobViewRepository } from '../ports/job-view-repository.port.ts'

/** Creates the view's table if it is missing. */
export async function ensureJobViewTable (pool: Pool): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS job_views (
    id uuid PRIMARY KEY,
    status text NOT NULL CHECK (status IN ('created', 'finish')),
    create_date text NOT NULL,
    finish_date text,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`)
  // Every row is inserted (created) and updated once (finish). Room left in each page lets the
  // update stay on the row's page without a new index entry (a HOT update): far more of them are
  // at 70 than at the default 100 (pg_stat_user_tables.n_tup_hot_upd). Changes only pages written from now.
  await pool.query('ALTER TABLE job_views SET (fillfactor = 70)')
}

// mergeJobView as one statement over many events: the row lock of ON CONFLICT orders writes to
// one job, so two of its events applied at once cannot lose either. A late or repeated
// `created` fails the WHERE and writes nothing.
const UPSERT = `INSERT INTO job_views AS v (id, status, create_date, finish_date)
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])
  ON CONFLICT (id) DO UPDATE SET
    status = CASE WHEN v.status = 'finish' OR EXCLUDED.status = 'finish' THEN 'finish' ELSE v.status END,
    finish_date = COALESCE(EXCLUDED.finish_date, v.finish_date),
    updated_at = now()
  WHERE EXCLUDED.status = 'finish'`

interface Waiting { event: JobEvent, resolve: () => void, reject: (error: unknown) => void }

export interface PgJobViewOptions {
  /** Statements running at once; more events than that wait and go together in the next one. */
  maxInFlight?: number
  maxBatch?: number
}

/**
 * The view in PostgreSQL. Events are written in batches: one statement (one commit, one WAL
 * flush) for all that arrived while earlier statements ran, so the view keeps up with thousands
 * of events a second; each apply() still resolves only once its own event is committed.
 */
export function createPgJobViewRepository (pool: Pool, options: PgJobViewOptions = {}): JobViewRepository {
  const maxInFlight = options.maxInFlight ?? 4
  const maxBatch = options.maxBatch ?? 1000
  let queue: Waiting[] = []
  let inFlight = 0
  let scheduled = false

  async function write (batch: Waiting[]): Promise<void> {
    // One job twice in a statement is an error for ON CONFLICT DO UPDATE, so a job's events of
    // one batch (its created and finish, read from two topics, often arrive together under load)
    // are folded into one row first with mergeJobView, the rule the statement applies: the row
    // ends as if they had been written one after the other, in one statement rather than two.
    // Rows go in id order, so two statements never lock the same rows in opposite orders (a deadlock).
    const folded = new Map<string, JobView>()
    for (const { event } of batch) folded.set(event.id, mergeJobView(folded.get(event.id), event))
    const rows = [...folded.values()].sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
    try {
      await pool.query({
        name: 'job-views-upsert',
        text: UPSERT,
        values: [
          rows.map(r => r.id),
          rows.map(r => r.status),
          rows.map(r => r.createDate),
          rows.map(r => r.finishDate)
        ]
      })
      for (const w of batch) w.resolve()
    } catch (error) {
      for (const w of batch) w.reject(error)
    }
  }

  function pump (): void {
    scheduled = false
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.slice(0, maxBatch)
      queue = queue.slice(batch.length)
      inFlight++
      void write(batch).finally(() => {
        inFlight--
        pump()
      })
    }
  }

  return {
    apply: event => new Promise<void>((resolve, reject) => {
      queue.push({ event, resolve, reject })
      // Events handed over in the same turn of the event loop share a statement.
      if (!scheduled) {
        scheduled = true
        setImmediate(pump)
      }
    }),

    async find (id) {
      const found = await pool.query<{ id: string, status: JobStatus, create_date: string, finish_date: string | null }>({
        name: 'job-views-find',
        text: 'SELECT id, status, create_date, finish_date FROM job_views WHERE id = $1',
        values: [id]
      })
      const row = found.rows[0]
      if (!row) return undefined
      const view: JobView = { id: row.id, status: row.status, createDate: row.create_date, finishDate: row.finish_date }
      return view
    }
  }
}
