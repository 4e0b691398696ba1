import { randomBytes } from 'node:crypto'
import { Admin, Consumer } from '@platformatic/kafka'
import { encodeValue, replaysTopic } from '@ripple/contracts'
import { OperationError } from '../errors.ts'
import { dropThrowAwayGroup } from '../kafka/kafka.operations.ts'
import type { KafkaAccess } from '../kafka/kafka.target.ts'

// `./ripple dlq list|replay <topic>.dlq`: what the kit's dead-letter publisher parked (the
// original key, value and headers plus x-dlq-* headers saying why and from where), and putting
// it back on its original topic once the cause is fixed.

export interface DeadLetter {
  partition: number
  offset: string
  key: string | null
  reason: string | undefined
  errorCode: string | undefined
  originalTopic: string | undefined
  originalPartition: number | undefined
  originalOffset: string | undefined
  /** When it was parked (the record's timestamp), ISO 8601. */
  time: string
  value: string | null
  headers: Record<string, string>
  /** When `./ripple dlq replay` or the console put it back, ISO 8601; absent while it is pending. */
  replayedAt?: string
}

interface RawRecord { partition: number, offset: bigint, timestamp: bigint, key: Buffer | null, value: Buffer | null, headers: Map<string, Buffer> }

const DLQ_HEADER = 'x-dlq-'
// Kafka Connect's dead-letter context (errors.deadletterqueue.context.headers.enable=true).
const CONNECT_HEADER = '__connect.errors.'

/** Where a dead letter came from: the kit's x-dlq-* headers, or Kafka Connect's __connect.errors.* ones. */
function originOf (h: Map<string, Buffer> | Record<string, string>, name: 'topic' | 'partition' | 'offset'): string | undefined {
  const get = (k: string) => h instanceof Map ? h.get(k)?.toString('utf8') : h[k]
  return get(`x-dlq-original-${name}`) ?? get(`${CONNECT_HEADER}${name}`)
}
export const REPLAYED_FROM_HEADER = 'x-replayed-from'
/**
 * Which dead letters were replayed, keyed `<dlq>:<partition>:<offset>` (compacted): what makes a
 * replayed entry leave the pending view, without reading the original topics for x-replayed-from.
 */
export const REPLAYS_TOPIC = replaysTopic.name

const buffer = (data?: Buffer) => data
const text = (data?: Buffer) => data?.toString('utf8')

/** Every record the topic holds now, read by a throw-away group that commits nothing and is deleted after. */
async function readAll (config: KafkaAccess, topic: string, timeoutMs = 30_000): Promise<RawRecord[]> {
  const consumer = new Consumer<Buffer, Buffer, string, Buffer>({
    clientId: 'ripple-dlq', bootstrapBrokers: config.kafkaClient.brokers, sasl: config.kafkaClient.sasl, groupId: `ripple-dlq-${randomBytes(5).toString('hex')}`,
    maxWaitTime: 200, deserializers: { key: buffer, value: buffer, headerKey: text, headerValue: buffer }
  })
  try {
    const admin = new Admin({ clientId: 'ripple-dlq-admin', bootstrapBrokers: config.kafkaClient.brokers, sasl: config.kafkaClient.sasl })
    const topics = await admin.listTopics().finally(() => admin.close())
    if (!topics.includes(topic)) throw new OperationError('UNKNOWN_TOPIC', `There is no topic "${topic}" on ${config.kafkaClient.brokers.join(',')}: name a dead-letter topic such as <topic>.dlq (see the x-dlq-* headers the services write).`)
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? []
    const starts = (await consumer.listOffsets({ topics: [topic], timestamp: -2n })).get(topic) ?? []
    const pending = new Set(ends.map((_, p) => p).filter(p => (ends[p] ?? 0n) > (starts[p] ?? 0n)))
    if (pending.size === 0) return []
    const records: RawRecord[] = []
    const stream = await consumer.consume({
      topics: [topic], mode: 'manual', autocommit: false,
      offsets: [...pending].map(partition => ({ topic, partition, offset: starts[partition] ?? 0n }))
    })
    try {
      await new Promise<void>((resolve, reject) => {
        const guard = setTimeout(() => reject(new OperationError('DLQ_READ_TIMEOUT', `Reading ${topic} did not reach its end within ${timeoutMs / 1000} s: is Kafka healthy (./ripple status)?`, { canRetry: true })), timeoutMs)
        stream.on('data', m => {
          const end = ends[m.partition] ?? 0n
          if (m.offset < end) records.push({ partition: m.partition, offset: m.offset, timestamp: m.timestamp, key: m.key ?? null, value: m.value ?? null, headers: m.headers })
          // Transaction markers take offsets of their own, so a partition is done at its last offset or past it.
          if (m.offset >= end - 1n) pending.delete(m.partition)
          if (pending.size === 0) { clearTimeout(guard); resolve() }
        })
        stream.once('error', err => { clearTimeout(guard); reject(err) })
      })
    } finally {
      await stream.close()
    }
    return records.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0))
  } finally {
    await consumer.close(true)
    await dropThrowAwayGroup(config, consumer.groupId)
  }
}

function describe (r: RawRecord): DeadLetter {
  const h = Object.fromEntries([...r.headers].map(([k, v]) => [k, v.toString('utf8')]))
  const originalPartition = originOf(h, 'partition')
  return {
    partition: r.partition,
    offset: String(r.offset),
    key: r.key?.toString('utf8') ?? null,
    reason: h['x-dlq-reason'] ?? h[`${CONNECT_HEADER}exception.message`],
    errorCode: h['x-dlq-error-code'] ?? h[`${CONNECT_HEADER}exception.class.name`],
    originalTopic: originOf(h, 'topic'),
    originalPartition: originalPartition === undefined ? undefined : Number(originalPartition),
    originalOffset: originOf(h, 'offset'),
    time: new Date(Number(r.timestamp)).toISOString(),
    value: r.value?.toString('utf8') ?? null,
    headers: h
  }
}

const letterId = (topic: string, partition: number, offset: bigint | string) => `${topic}:${partition}:${offset}`

async function topicExists (config: KafkaAccess, topic: string): Promise<boolean> {
  const admin = new Admin({ clientId: 'ripple-dlq-admin', bootstrapBrokers: config.kafkaClient.brokers, sasl: config.kafkaClient.sasl })
  try {
    return (await admin.listTopics()).includes(topic)
  } finally {
    await admin.close()
  }
}

/** When each dead letter of `topic` was replayed, by `<dlq>:<partition>:<offset>`. */
async function replayMarks (config: KafkaAccess, topic: string): Promise<Map<string, string>> {
  const marks = new Map<string, string>()
  if (!await topicExists(config, REPLAYS_TOPIC)) return marks
  for (const r of await readAll(config, REPLAYS_TOPIC)) {
    const id = r.key?.toString('utf8')
    if (id?.startsWith(`${topic}:`) && r.value) marks.set(id, new Date(Number(r.timestamp)).toISOString())
  }
  return marks
}

export async function listDeadLetters (config: KafkaAccess, topic: string): Promise<DeadLetter[]> {
  const [records, marks] = await Promise.all([readAll(config, topic), replayMarks(config, topic)])
  return records.map(r => {
    const letter = describe(r)
    const replayedAt = marks.get(letterId(topic, r.partition, r.offset))
    return replayedAt ? { ...letter, replayedAt } : letter
  })
}

export interface ReplaySelection {
  all: boolean
  offset?: bigint
  partition?: number
}

export interface Replayed { partition: number, offset: string, topic: string, key: string | null }

/**
 * Publishes the chosen dead letters again on their original topic, with their key, value and
 * original headers (the x-dlq-* ones dropped) and `x-replayed-from: <dlq>:<partition>:<offset>`,
 * through the kit's idempotent acks=all producer. Consumers' inboxes absorb a replay repeated.
 */
export async function replayDeadLetters (config: KafkaAccess, topic: string, selection: ReplaySelection): Promise<Replayed[]> {
  if (selection.all === (selection.offset !== undefined)) {
    throw new OperationError('REPLAY_SELECTION', 'Say which dead letters to replay: --offset N (with --partition P when the topic has several partitions) or --all.')
  }
  const records = await readAll(config, topic)
  let chosen = records
  if (selection.offset !== undefined) {
    chosen = records.filter(r => r.offset === selection.offset && (selection.partition === undefined || r.partition === selection.partition))
    if (chosen.length === 0) throw new OperationError('NO_SUCH_RECORD', `${topic} has no record at offset ${selection.offset}${selection.partition === undefined ? '' : ` in partition ${selection.partition}`}: see ./ripple dlq list ${topic}.`)
    if (chosen.length > 1) throw new OperationError('AMBIGUOUS_OFFSET', `Offset ${selection.offset} exists in partitions ${chosen.map(r => r.partition).join(', ')} of ${topic}: add --partition P.`)
  }
  const withoutTarget = chosen.find(r => !originOf(r.headers, 'topic'))
  if (withoutTarget) throw new OperationError('NO_ORIGINAL_TOPIC', `${topic} record ${withoutTarget.partition}:${withoutTarget.offset} has neither an x-dlq-original-topic nor a __connect.errors.topic header, so there is nowhere to replay it to.`)
  if (chosen.length === 0) return []

  // Loaded here only: the rest of the CLI does not need the kit's Kafka client.
  const { createProducer } = await import('@ripple/kit')
  const producer = createProducer({ brokers: config.kafkaClient.brokers, sasl: config.kafkaClient.sasl, clientId: 'ripple-dlq-replay' })
  try {
    const messages = chosen.map(r => ({
      topic: originOf(r.headers, 'topic')!,
      key: r.key,
      value: r.value,
      headers: {
        ...Object.fromEntries([...r.headers].filter(([k]) => !k.startsWith(DLQ_HEADER) && !k.startsWith(CONNECT_HEADER))),
        [REPLAYED_FROM_HEADER]: `${topic}:${r.partition}:${r.offset}`
      }
    }))
    // One send: the idempotent producer keeps their order per partition.
    await producer.send(messages)
    if (!await topicExists(config, REPLAYS_TOPIC)) {
      const admin = new Admin({ clientId: 'ripple-dlq-admin', bootstrapBrokers: config.kafkaClient.brokers, sasl: config.kafkaClient.sasl })
      // Another replay may create it at the same moment: either way it then exists.
      await admin.createTopics({ topics: [REPLAYS_TOPIC], partitions: replaysTopic.partitions, replicas: config.kafkaClient.replicationFactor, configs: [{ name: 'cleanup.policy', value: replaysTopic.cleanupPolicy }] }).catch(() => {}).finally(() => admin.close())
    }
    // Marked after the records are back on their topic: a crash between the two leaves an entry
    // pending that was replayed, which a second replay repeats harmlessly (consumers' inboxes).
    await producer.send(chosen.map((r, i) => ({ topic: REPLAYS_TOPIC, key: letterId(topic, r.partition, r.offset), value: encodeValue(replaysTopic, { to: messages[i]!.topic }) })))
    return chosen.map((r, i) => ({ partition: r.partition, offset: String(r.offset), topic: messages[i]!.topic, key: r.key?.toString('utf8') ?? null }))
  } finally {
    await producer.close()
  }
}
