import type { StackConfig } from '@ripple/stack'
import { JOBS_DATABASE } from '@ripple/stack/components'
import type { TraceStep } from './trace.types.ts'
import { consumerStep, describeGroups, isoOf, withKafka } from './kafka.reader.ts'
import type { WindowRecord } from './kafka.reader.ts'
import { clickhouseRows, msOf, postgresRows, serviceDatabase } from './stores.reader.ts'

// A job (seed 003) has no row where it starts: receiver publishes it to receiver-topic, keyed by
// its id → processor's group reads it, sleeps and publishes its JobDone to processor-topic (same
// key) → converter's group turns that into the JDBC sink's PostgreSQL jobs row and ClickHouse's
// rows; informer's group folds both topics into its view in PostgreSQL.

const RECEIVED = 'receiver-topic'
const FINISHED = 'processor-topic'
const GROUPS = { processor: 'processor', informer: 'informer', converter: 'converter' } as const

const recordOf = (r: WindowRecord | undefined): Record<string, unknown> => {
  try {
    return JSON.parse(r?.value ?? '') as Record<string, unknown>
  } catch {
    return {}
  }
}
const text = (v: unknown): string | null => typeof v === 'string' ? v : null

export async function traceJob (config: StackConfig, id: string): Promise<TraceStep[] | undefined> {
  const [[views], [sunk], clickhouse, groups] = await Promise.all([
    postgresRows(config, serviceDatabase(config, 'informer', 'informer'), [
      { sql: 'SELECT status, create_date, finish_date, updated_at FROM job_views WHERE id = $1', params: [id] }
    ]),
    postgresRows(config, JOBS_DATABASE, [{ sql: 'SELECT status, create_date::text, finish_date::text FROM jobs WHERE id = $1', params: [id] }]),
    clickhouseRows<{ status: string, timestamp: string }>(config, 'SELECT status, toString(timestamp) AS timestamp FROM jobs FINAL WHERE id IN (SELECT value FROM id) ORDER BY status', { id })
      .catch((error: unknown) => error instanceof Error ? error : new Error(String(error))),
    describeGroups(config, Object.values(GROUPS))
  ])
  const view = views![0]
  const row = sunk![0]
  const createdMs = text(view?.create_date) ? msOf(String(view!.create_date)) : row ? Number(row.create_date) * 1000 : undefined

  // Both records lie after the job's creation; without a time, the newest records of the key's partitions.
  const isJob = (r: WindowRecord) => r.key === id
  const [received, finished] = await withKafka(config, async k => {
    const windows = await Promise.all([k.windowFor(RECEIVED, id, createdMs, isJob), k.windowFor(FINISHED, id, createdMs, isJob)])
    const read = await k.read(windows.filter(w => w !== undefined))
    let n = 0
    return windows.map(w => w === undefined ? undefined : { window: w, record: read[n++]!.find(isJob) })
  })
  if (!view && !row && !received?.record && !finished?.record) return undefined

  const steps: TraceStep[] = []
  const eventStep = (topic: string, read: typeof received, what: string): TraceStep => {
    const r = read?.record
    if (!r) {
      return { stage: 'event', title: `${topic} (not found)`, ok: false, details: { topic, partition: read?.window.partition ?? null, searchedFrom: read ? Number(read.window.from) : null, searchedTo: read ? Number(read.window.to) : null, note: `no ${what} record for this job in the window read (yet)` } }
    }
    const value = recordOf(r)
    return {
      stage: 'event',
      title: `${topic} ${r.partition}:${r.offset}`,
      at: isoOf(r.timestamp),
      ok: true,
      details: { topic, partition: r.partition, offset: Number(r.offset), key: r.key, createDate: text(value.create_date), ...(topic === FINISHED ? { status: text(value.status), finishDate: text(value.finish_date) } : { sleep: typeof value.sleep === 'number' ? value.sleep : null, dataBytes: typeof value.data === 'string' ? value.data.length / 2 : null }) }
    }
  }

  steps.push(eventStep(RECEIVED, received, 'receiver'))
  const handled = (group: string, read: typeof received) => consumerStep(group, groups.get(group), read?.record, read ? { end: read.window.end } : {})
  steps.push(handled(GROUPS.processor, received))
  steps.push(handled(GROUPS.informer, received))
  steps.push(eventStep(FINISHED, finished, 'JobDone'))
  steps.push(handled(GROUPS.converter, finished))
  steps.push(handled(GROUPS.informer, finished))

  const updatedAt = view?.updated_at as Date | undefined
  steps.push(view
    ? { stage: 'effect', title: `informer status ${String(view.status)}`, ...(updatedAt ? { at: updatedAt.toISOString() } : {}), ok: view.status === 'finish', details: { database: 'informer', table: 'job_views', status: String(view.status), createDate: text(view.create_date), finishDate: text(view.finish_date) } }
    : { stage: 'effect', title: 'informer status unknown', ok: false, details: { database: 'informer', table: 'job_views', status: 'unknown' } })
  steps.push(row
    ? { stage: 'effect', title: `PostgreSQL ${JOBS_DATABASE}.jobs row`, ok: row.status === 'finish', details: { database: JOBS_DATABASE, table: 'jobs', status: String(row.status), createDate: Number(row.create_date), finishDate: row.finish_date === null ? null : Number(row.finish_date) } }
    : { stage: 'effect', title: `PostgreSQL ${JOBS_DATABASE}.jobs row`, ok: false, details: { database: JOBS_DATABASE, table: 'jobs', present: false } })
  // ClickHouse is optional to the trace: a stack without it answering shows no step for it.
  if (clickhouse instanceof Error) {
    steps.push({ stage: 'effect', title: 'ClickHouse jobs rows', ok: false, details: { table: 'jobs', error: clickhouse.message } })
  } else if (clickhouse !== undefined) {
    const at = (status: string) => clickhouse.find(r => r.status === status)?.timestamp ?? null
    steps.push({ stage: 'effect', title: 'ClickHouse jobs rows', ok: at('create') !== null && at('finish') !== null, details: { table: 'jobs', rows: clickhouse.length, create: at('create'), finish: at('finish') } })
  }
  return steps
}
