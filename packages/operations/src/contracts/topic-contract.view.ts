import { findTopic, partyName } from '@ripple/contracts'
import type { TopicContract } from '@ripple/contracts'
import { z } from 'zod'
import type { ConsumedRecord } from '../kafka/kafka.operations.ts'
import type { KafkaAccess } from '../kafka/kafka.target.ts'
import { newestRecords } from '../kafka/newest-records.query.ts'
import { TopicRangeReader } from '../kafka/topic-range.reader.ts'

/** How many of a topic's newest records are checked against its contract. */
export const CONFORMANCE_SAMPLE = 500

/** What `./ripple kafka topic describe` and the console's topic page show of a topic's contract. */
export interface ContractView {
  summary: string
  key: string
  value: string
  /** The value's top-level fields, each with its JSON Schema type, `?` when optional. */
  fields: string[]
  partitions: number
  cleanupPolicy: string
  deadLetter: string | undefined
  producers: string[]
  consumers: string[]
}

export function contractView (topic: string): ContractView | undefined {
  const t = findTopic(topic)
  if (!t) return undefined
  return {
    summary: t.summary,
    key: `${t.key.encoding}: ${t.key.description}`,
    value: `${t.value.encoding}: ${t.value.description}`,
    fields: topFields(t),
    partitions: t.partitions,
    cleanupPolicy: t.cleanupPolicy,
    deadLetter: t.deadLetter,
    producers: t.producers.map(partyName),
    consumers: t.consumers.map(c => `${c.group} (${partyName(c.by)})`)
  }
}

function topFields (t: TopicContract): string[] {
  let schema: { properties?: Record<string, { type?: unknown }>, required?: string[] }
  try {
    schema = z.toJSONSchema(t.value.schema, { io: 'input', unrepresentable: 'any' }) as typeof schema
  } catch {
    return []
  }
  const required = new Set(schema.required ?? [])
  return Object.entries(schema.properties ?? {}).map(([name, s]) => `${name}${required.has(name) ? '' : '?'}: ${Array.isArray(s.type) ? s.type.join('|') : String(s.type ?? 'any')}`)
}

/** One record that does not match its topic's contract, and the first reason. */
export interface Mismatch { partition: number, offset: string, field: string, message: string }

export interface Conformance { checked: number, mismatches: Mismatch[] }

/**
 * Each record's value read as its contract says (a JSON value, or Kafka Connect's {schema,
 * payload} wrapper around one) and checked against the value schema. Tombstones (null values)
 * are skipped: compaction's deletes, not records of the schema.
 */
export function conformance (topic: string, records: readonly ConsumedRecord[]): Conformance | undefined {
  const t = findTopic(topic)
  if (!t) return undefined
  const mismatches: Mismatch[] = []
  let checked = 0
  for (const r of records) {
    if (r.value === null) continue
    checked++
    const problem = mismatchOf(t, r.value)
    if (problem) mismatches.push({ partition: r.partition, offset: r.offset, ...problem })
  }
  return { checked, mismatches }
}

function mismatchOf (t: TopicContract, raw: string): { field: string, message: string } | undefined {
  let value: unknown = raw
  if (t.value.encoding === 'json' || t.value.encoding === 'connect-json') {
    try {
      value = JSON.parse(raw)
    } catch {
      return { field: '(value)', message: 'is not JSON' }
    }
  }
  const checked = t.value.schema.safeParse(value)
  if (checked.success) return undefined
  const issue = checked.error.issues[0]
  return { field: issue?.path.join('.') || '(value)', message: issue?.message ?? 'does not match' }
}

/** "3 of the newest 500 records don't match: field `x` (…) at 0:17; …", or that all match. */
export function describeConformance (c: Conformance): string {
  if (c.checked === 0) return 'no record to check against the contract'
  if (c.mismatches.length === 0) return `all ${c.checked} of the newest records checked match the contract`
  const shown = c.mismatches.slice(0, 3).map(m => `field \`${m.field}\` (${m.message}) at ${m.partition}:${m.offset}`).join('; ')
  return `${c.mismatches.length} of the newest ${c.checked} records don't match the contract: ${shown}${c.mismatches.length > 3 ? '; …' : ''}`
}

/** The newest records of a catalogued topic, read with a reader (the console's, or one of its own), checked against the contract. */
export async function newestConformance (reader: Pick<TopicRangeReader, 'bounds' | 'read'>, topic: string): Promise<Conformance | undefined> {
  if (!findTopic(topic)) return undefined
  const page = await newestRecords(reader, topic, { limit: CONFORMANCE_SAMPLE })
  return conformance(topic, page.records)
}

/** The same for the CLI, on a reader of its own. */
export async function checkNewestRecords (config: KafkaAccess, topic: string): Promise<Conformance | undefined> {
  if (!findTopic(topic)) return undefined
  const reader = new TopicRangeReader(config.kafkaClient.brokers, config.kafkaClient.sasl)
  try {
    return await newestConformance(reader, topic)
  } finally {
    await reader.close()
  }
}
