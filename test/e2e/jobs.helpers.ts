import { loadStackConfig } from '@ripple/stack'
import { clickhouseRows, eventually, stack } from '@ripple/testing'
import pg from 'pg'

// The seed-003 pipeline on the running stack: receiver → receiver-topic → processor →
// processor-topic → converter → postgres-topic → JDBC sink → PostgreSQL `jobs`, and informer.
const config = loadStackConfig()
export const receiverUrl = `http://${config.host}:${config.ports.receiver}`
export const informerUrl = `http://${config.host}:${config.ports.informer}`

export interface CreatedJob { id: string, create_date: string, sleep: number, data_size: number }

export async function postJob (body?: unknown): Promise<{ status: number, body: Record<string, unknown> }> {
  const res = await fetch(`${receiverUrl}/create/job`, {
    method: 'POST',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  })
  return { status: res.status, body: await res.json() as Record<string, unknown> }
}

export async function createJob (body?: unknown): Promise<CreatedJob> {
  const res = await postJob(body)
  if (res.status !== 200) throw new Error(`POST /create/job answered ${res.status}: ${JSON.stringify(res.body)}`)
  return res.body as unknown as CreatedJob
}

export async function jobInfo (id: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${informerUrl}/info/${id}`)
  if (res.status !== 200) throw new Error(`GET /info/${id} answered ${res.status}`)
  return await res.json() as Record<string, unknown>
}

/** Polls informer until every job reports finish; only the unfinished ones are asked again. */
export function waitUntilFinished (ids: string[], timeoutMs = 180_000): Promise<void> {
  const pending = new Set(ids)
  return eventually(async () => {
    const batch = [...pending]
    for (let i = 0; i < batch.length; i += 50) {
      await Promise.all(batch.slice(i, i + 50).map(async id => {
        if ((await jobInfo(id)).status === 'finish') pending.delete(id)
      }))
    }
    if (pending.size > 0) throw new Error(`${pending.size} of ${ids.length} jobs not finished in informer`)
  }, timeoutMs, 500)
}

export interface JobRow { id: string, status: string, create_date: string, finish_date: string }

/** The rows the JDBC sink wrote to PostgreSQL's `jobs` for these ids. */
export async function jobRows (ids: string[]): Promise<JobRow[]> {
  const client = new pg.Client({ ...stack.postgres, database: 'jobs' })
  await client.connect()
  try {
    return (await client.query<JobRow>('SELECT id, status, create_date::text, finish_date::text FROM jobs WHERE id = ANY($1::varchar[])', [ids])).rows
  } finally {
    await client.end()
  }
}

/** Polls PostgreSQL until every id has its finished row. */
export function waitForJobRows (ids: string[], timeoutMs = 180_000): Promise<JobRow[]> {
  return eventually(async () => {
    const rows = await jobRows(ids)
    const finished = rows.filter(r => r.status === 'finish').length
    if (finished < ids.length) throw new Error(`${finished} of ${ids.length} jobs finished in PostgreSQL jobs`)
    return rows
  }, timeoutMs, 500)
}

export interface ClickhouseRow { id: string, status: string, timestamp: string }

/**
 * The jobs' rows in ClickHouse's `jobs`: as readers see them (FINAL: a line delivered twice is one
 * row), or, with `final: false`, every row stored, so a line delivered twice shows twice until a merge.
 */
export function clickhouseJobRows (ids: string[], { final = true } = {}): Promise<ClickhouseRow[]> {
  // 18.16 has no query parameters: the ids travel as external data, one comma-separated value.
  return clickhouseRows<ClickhouseRow>(
    `SELECT id, status, toString(timestamp) AS timestamp FROM jobs ${final ? 'FINAL' : ''} WHERE id IN (SELECT arrayJoin(splitByChar(',', value)) FROM ids) ORDER BY id, status`,
    { ids: ids.join(',') })
}

/** Polls ClickHouse until every id has both its rows, create and finish. */
export function waitForClickhouseRows (ids: string[], timeoutMs = 180_000, options: { final?: boolean } = {}): Promise<ClickhouseRow[]> {
  return eventually(async () => {
    const rows = await clickhouseJobRows(ids, options)
    const complete = new Set(ids.filter(id => rows.some(r => r.id === id && r.status === 'create') && rows.some(r => r.id === id && r.status === 'finish')))
    if (complete.size < ids.length) throw new Error(`${complete.size} of ${ids.length} jobs have both rows in ClickHouse jobs`)
    return rows
  }, timeoutMs, 500)
}
