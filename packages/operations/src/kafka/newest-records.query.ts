import type { ConsumedRecord } from './kafka.operations.ts'
import { changeOf } from './kafka.operations.ts'
import type { TopicRangeReader } from './topic-range.reader.ts'

export interface NewestQuery {
  partition?: number
  /** Per partition, the offset the page ends before (exclusive); absent partitions start at their end. */
  before?: Map<number, bigint>
  key?: string
  text?: string
  limit: number
}

export interface NewestPage {
  records: ConsumedRecord[]
  /** Where the next (older) page ends, per partition; undefined when nothing older is left. */
  next: Map<number, bigint> | undefined
  /** What was read, per partition: [from, to). */
  scanned: { partition: number, from: bigint, to: bigint }[]
}

/** With a filter, each page looks this far back per partition; the next page goes on from there. */
export const FILTER_WINDOW = 2000n

/**
 * A key is the text given, or a JSON key holding it as a field's value: Debezium keys a row's
 * change by `{"id": …}` (inside `payload` with the JSON converter's schemas), and a person
 * searching a user's changes types the id as the API shows it.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function keyMatches (key: string | null, wanted: string): boolean {
  if (key === null) return false
  // user-service's ids are UUIDs in the API and 32 hex digits in its table, so in its changes' keys.
  const forms = UUID.test(wanted) ? [wanted, wanted.replace(/-/g, '').toLowerCase()] : [wanted]
  if (forms.includes(key)) return true
  if (!key.startsWith('{')) return false
  try {
    const parsed = JSON.parse(key) as { schema?: unknown, payload?: unknown }
    const fields = parsed.schema !== undefined && typeof parsed.payload === 'object' ? parsed.payload : parsed
    return fields !== null && typeof fields === 'object' && Object.values(fields).some(v => v !== null && typeof v !== 'object' && forms.includes(String(v)))
  } catch {
    return false
  }
}

/**
 * The newest records first, across partitions (by timestamp) or in one, a page at a time: each
 * partition is read only over the window the page needs (the last `limit` records before the
 * cursor, or a bounded window when filtering by key or text).
 */
export async function newestRecords (reader: Pick<TopicRangeReader, 'bounds' | 'read'>, topic: string, q: NewestQuery): Promise<NewestPage> {
  const bounds = (await reader.bounds(topic)).filter(b => q.partition === undefined || b.partition === q.partition)
  const filtering = q.key !== undefined || q.text !== undefined
  const window = filtering ? FILTER_WINDOW : BigInt(q.limit)
  const text = q.text?.toLowerCase()
  const matches = (r: ConsumedRecord) => (q.key === undefined || keyMatches(r.key, q.key)) &&
    (text === undefined || (r.value ?? '').toLowerCase().includes(text) || (r.key ?? '').toLowerCase().includes(text))

  const perPartition = await Promise.all(bounds.map(async b => {
    const to = q.before?.get(b.partition) ?? b.end
    const from = to - window > b.start ? to - window : b.start
    const records = to > from ? (await reader.read(topic, b.partition, from, to)).filter(matches) : []
    return { ...b, from, to, records }
  }))
  const newestFirst = (a: ConsumedRecord, b: ConsumedRecord) => b.timestamp.localeCompare(a.timestamp) || Number(BigInt(b.offset) - BigInt(a.offset))
  const records = perPartition.flatMap(p => p.records).sort(newestFirst).slice(0, q.limit).map(r => {
    const change = changeOf(r.value)
    return change ? { ...r, change } : r
  })

  const next = new Map<number, bigint>()
  for (const p of perPartition) {
    const shown = records.filter(r => r.partition === p.partition).map(r => BigInt(r.offset))
    // Shown ones: go on below the oldest shown. Matches not shown: read them again. No match: past the window.
    const cursor = shown.length > 0 ? shown.reduce((a, b) => a < b ? a : b) : p.records.length > 0 ? p.to : p.from
    next.set(p.partition, cursor)
  }
  const more = perPartition.some(p => (next.get(p.partition) ?? p.start) > p.start)
  return { records, next: more ? next : undefined, scanned: perPartition.map(p => ({ partition: p.partition, from: p.from, to: p.to })) }
}
