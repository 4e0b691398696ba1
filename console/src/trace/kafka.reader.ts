import { randomBytes } from 'node:crypto'
import { Admin, Consumer, murmur2 } from '@platformatic/kafka'
import type { StackConfig } from '@ripple/stack'
import { endpoints } from '@ripple/stack'
import type { TraceStep } from './trace.types.ts'

// The trace's Kafka side: a change's record is looked for in a bounded window of the one
// partition its key lands in, from an offset Kafka finds by time, never by reading a topic whole.

/** The most records one window reads, whatever else bounds it. */
export const WINDOW_RECORDS = 5000n
/** Without a time to start from (a row deleted, a job no view knows): the newest records of the key's partition only. */
export const TAIL_RECORDS = 1000n
/** Records are looked for from this long before the row's time: the clocks are one machine's, the margin covers rounding. */
export const BEFORE_MS = 5000
/** ...and until this long after it (Connect down for a while delays an event, the record count still bounds the read). */
export const AFTER_MS = 10 * 60_000
/** A window whose last records never arrive (a compacted or aborted range) ends after this. */
const READ_DEADLINE_MS = 3000

export interface WindowRecord {
  topic: string
  partition: number
  offset: bigint
  timestamp: bigint
  key: string | null
  value: string | null
  headers: Record<string, string>
}

export interface Window {
  topic: string
  partition: number
  from: bigint
  /** Exclusive. */
  to: bigint
  /** The partition's end offset when the window was laid out. */
  end: bigint
  /** Stops early past this record time (ms). */
  untilMs?: number
  /** Stops early once a record matches (the change looked for is found). */
  stopAt?: (r: WindowRecord) => boolean
}

/**
 * Kafka's default partitioner (murmur2 of the key bytes, positive, modulo the partitions): what
 * Connect's producers and the kit's (compatibilityPartitioner) use, so a key's records are all there.
 */
export const keyPartition = (key: string, partitions: number): number => (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions

export interface KafkaWindows {
  /** The end offset of each partition (its length is the partition count); empty for a missing topic. */
  ends (topic: string): Promise<bigint[]>
  /**
   * The window of a key's partition: from the first record at `anchorMs - BEFORE_MS` (or, without
   * an anchor, the newest TAIL_RECORDS), at most WINDOW_RECORDS; undefined for a missing topic.
   */
  windowFor (topic: string, key: string, anchorMs: number | undefined, stopAt?: Window['stopAt']): Promise<Window | undefined>
  read (windows: Window[]): Promise<WindowRecord[][]>
}

export async function withKafka<T> (config: StackConfig, work: (k: KafkaWindows) => Promise<T>): Promise<T> {
  const text = (b?: Buffer) => b?.toString('utf8')
  const consumer = new Consumer<Buffer | undefined, Buffer | undefined, string | undefined, string | undefined>({
    clientId: 'ripple-console-trace', bootstrapBrokers: endpoints(config).kafkaBrokers, sasl: endpoints(config).kafkaSasl,
    // Never joined: the window is read in manual mode and nothing is committed.
    groupId: `ripple-console-trace-${randomBytes(4).toString('hex')}`, maxWaitTime: 100,
    deserializers: { key: b => b, value: b => b, headerKey: text, headerValue: text }
  })
  const endsOf = new Map<string, Promise<bigint[]>>()
  const ends = (topic: string) => {
    let known = endsOf.get(topic)
    if (!known) {
      known = consumer.listOffsets({ topics: [topic] }).then(o => o.get(topic) ?? [], () => [])
      endsOf.set(topic, known)
    }
    return known
  }

  const windows: KafkaWindows = {
    ends,

    async windowFor (topic, key, anchorMs, stopAt) {
      const end = await ends(topic)
      if (end.length === 0) return undefined
      const partition = keyPartition(key, end.length)
      const last = end[partition]!
      let from: bigint
      if (anchorMs === undefined) {
        // Never before the log's start: retention may have deleted the older records.
        const first = (await consumer.listOffsets({ topics: [topic], timestamp: -2n })).get(topic)?.[partition] ?? 0n
        from = last - TAIL_RECORDS > first ? last - TAIL_RECORDS : first
      } else {
        const at = (await consumer.listOffsets({ topics: [topic], timestamp: BigInt(Math.max(0, anchorMs - BEFORE_MS)) })).get(topic)?.[partition] ?? -1n
        // -1: no record that late yet, so nothing to read.
        from = at < 0n ? last : at
      }
      const to = from + WINDOW_RECORDS < last ? from + WINDOW_RECORDS : last
      return { topic, partition, from, to, end: last, ...(anchorMs === undefined ? {} : { untilMs: anchorMs + AFTER_MS }), ...(stopAt ? { stopAt } : {}) }
    },

    async read (list) {
      const found: WindowRecord[][] = list.map(() => [])
      const open = new Set(list.map((_, i) => i).filter(i => list[i]!.to > list[i]!.from))
      if (open.size === 0) return found
      const stream = await consumer.consume({
        topics: [...new Set(list.map(w => w.topic))], mode: 'manual', autocommit: false,
        offsets: [...open].map(i => ({ topic: list[i]!.topic, partition: list[i]!.partition, offset: list[i]!.from }))
      })
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, READ_DEADLINE_MS)
          const close = (i: number) => {
            open.delete(i)
            if (open.size === 0) { clearTimeout(timer); resolve() }
          }
          stream.on('data', m => {
            for (const i of [...open]) {
              const w = list[i]!
              if (m.topic !== w.topic || m.partition !== w.partition || m.offset < w.from) continue
              if (m.offset >= w.to || (w.untilMs !== undefined && Number(m.timestamp) > w.untilMs)) { close(i); continue }
              const record: WindowRecord = {
                topic: m.topic, partition: m.partition, offset: m.offset, timestamp: m.timestamp,
                key: m.key?.toString('utf8') ?? null, value: m.value?.toString('utf8') ?? null,
                headers: Object.fromEntries([...m.headers].map(([k, v]) => [k ?? '', v ?? '']))
              }
              found[i]!.push(record)
              if (w.stopAt?.(record) || m.offset >= w.to - 1n) close(i)
            }
          })
          stream.once('error', error => { clearTimeout(timer); reject(error) })
        })
      } finally {
        await stream.close()
      }
      return found
    }
  }

  try {
    return await work(windows)
  } finally {
    await consumer.close(true)
  }
}

/** A consumer group as the trace needs it: its state and members, and its committed offsets by `topic:partition`. */
export interface GroupOffsets { state: string, members: number, committed: Map<string, bigint> }

/**
 * The groups' states and committed offsets, all with one admin client and two requests (what
 * kafka.command's describeGroup tells of one group, without its members' assignments and end
 * offsets: a trace asks about several groups and has the end offsets of its windows already).
 * A group Kafka does not know (or Kafka's error) is an Error.
 */
export async function describeGroups (config: StackConfig, groups: string[]): Promise<Map<string, GroupOffsets | Error>> {
  const admin = new Admin({ clientId: 'ripple-console-trace', bootstrapBrokers: endpoints(config).kafkaBrokers, sasl: endpoints(config).kafkaSasl })
  try {
    const [described, committed] = await Promise.all([admin.describeGroups({ groups }), admin.listConsumerGroupOffsets({ groups })])
    return new Map(groups.map((group): [string, GroupOffsets | Error] => {
      const d = described.get(group)
      if (!d || String(d.state) === 'DEAD') return [group, new Error(`there is no consumer group "${group}"`)]
      const offsets = new Map<string, bigint>()
      for (const t of committed.find(c => c.groupId === group)?.topics ?? []) {
        for (const p of t.partitions) if (p.committedOffset >= 0n) offsets.set(`${t.name}:${p.partitionIndex}`, p.committedOffset)
      }
      return [group, { state: String(d.state), members: d.members.size, committed: offsets }]
    }))
  } catch (error) {
    const failed = error instanceof Error ? error : new Error(String(error))
    return new Map(groups.map((g): [string, GroupOffsets | Error] => [g, failed]))
  } finally {
    await admin.close()
  }
}

/**
 * Whether a group handled a record: its committed offset on the record's partition is past the
 * record (a consumer commits the next offset it will read). `end`: the partition's end offset, for the lag.
 */
export function consumerStep (group: string, described: GroupOffsets | Error | undefined, record: { topic: string, partition: number, offset: bigint } | undefined, extra: { at?: string, end?: bigint, details?: TraceStep['details'] } = {}): TraceStep {
  const base = { group, ...(record ? { topic: record.topic, partition: record.partition, eventOffset: Number(record.offset) } : {}) }
  const step = (ok: boolean, details: TraceStep['details']): TraceStep => ({ stage: 'consumer', title: `group ${group}`, ...(extra.at ? { at: extra.at } : {}), ok, details: { ...base, ...details, ...extra.details } })
  if (described === undefined || described instanceof Error) return step(false, { state: 'unknown', committed: false, error: described?.message ?? 'not described' })
  const state = { state: described.state, members: described.members }
  if (!record) return step(false, { ...state, committed: false, committedOffset: null })
  const at = described.committed.get(`${record.topic}:${record.partition}`)
  const committed = at !== undefined && at > record.offset
  return step(committed, { ...state, committed, committedOffset: at === undefined ? null : Number(at), lag: at === undefined || extra.end === undefined ? null : Number(extra.end - at) })
}

export const isoOf = (ms: bigint | number): string => new Date(Number(ms)).toISOString()
