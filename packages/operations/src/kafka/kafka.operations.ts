import { randomBytes } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import { Admin, ConfigResourceTypes, ConfigSources, Consumer } from '@platformatic/kafka'
import { OperationError } from '../errors.ts'
import type { KafkaAccess } from './kafka.target.ts'

// `./ripple kafka …`: topics, messages, consumer groups and lag, on @platformatic/kafka's admin and
// consumer API. Each operation returns data (the CLI prints it, or --json); none keeps a client open.

const admin = (config: KafkaAccess) => new Admin({ clientId: 'ripple-kafka', bootstrapBrokers: config.kafkaClient.brokers, sasl: config.kafkaClient.sasl })

async function withAdmin<T> (config: KafkaAccess, work: (a: Admin) => Promise<T>): Promise<T> {
  const client = admin(config)
  try {
    return await work(client)
  } finally {
    await client.close()
  }
}

/** A consumer that only asks for offsets (it never joins its group, so the group never exists). */
async function withOffsets<T> (config: KafkaAccess, work: (c: Consumer) => Promise<T>): Promise<T> {
  const client = new Consumer({ clientId: 'ripple-kafka-offsets', bootstrapBrokers: config.kafkaClient.brokers, sasl: config.kafkaClient.sasl, groupId: `ripple-kafka-offsets-${randomBytes(4).toString('hex')}` })
  try {
    return await work(client)
  } finally {
    await client.close(true)
  }
}

const EARLIEST = -2n
const LATEST = -1n

// Any consumer asks for offsets the same way, whatever its deserializers.
async function offsetsAt (c: Pick<Consumer, 'listOffsets'>, topic: string, timestamp: bigint): Promise<bigint[]> {
  return (await c.listOffsets({ topics: [topic], timestamp })).get(topic) ?? []
}

async function requireTopic (a: Admin, config: KafkaAccess, topic: string): Promise<void> {
  const topics = await a.listTopics({ includeInternals: true })
  if (!topics.includes(topic)) throw new OperationError('UNKNOWN_TOPIC', `There is no topic "${topic}" on ${config.kafkaClient.brokers.join(',')}: see ./ripple kafka topics.`)
}

export interface TopicSummary {
  name: string
  partitions: number
  replication: number
  /** Records held now: end minus start offset, summed over the partitions. */
  messages: string
  endOffsets: string[]
  sizeBytes: number
}

export async function listTopics (config: KafkaAccess, options: { internal?: boolean } = {}): Promise<TopicSummary[]> {
  return await withAdmin(config, async a => {
    const names = (await a.listTopics({ includeInternals: Boolean(options.internal) })).sort()
    if (names.length === 0) return []
    const metadata = await a.metadata({ topics: names })
    const sizes = new Map<string, number>()
    const dirs = await a.describeLogDirs({ topics: names.map(name => ({ name, partitions: [...Array(metadata.topics.get(name)?.partitionsCount ?? 0).keys()] })) })
    for (const broker of dirs) {
      for (const dir of broker.results) {
        for (const t of dir.topics) sizes.set(t.name, (sizes.get(t.name) ?? 0) + t.partitions.reduce((sum, p) => sum + Number(p.partitionSize), 0))
      }
    }
    return await withOffsets(config, async c => {
      const ends = await c.listOffsets({ topics: names, timestamp: LATEST })
      const starts = await c.listOffsets({ topics: names, timestamp: EARLIEST })
      return names.map(name => {
        const t = metadata.topics.get(name)
        const end = ends.get(name) ?? []
        const start = starts.get(name) ?? []
        return {
          name,
          partitions: t?.partitionsCount ?? 0,
          replication: t?.partitions[0]?.replicas.length ?? 0,
          messages: String(end.reduce((sum, e, p) => sum + e - (start[p] ?? 0n), 0n)),
          endOffsets: end.map(String),
          sizeBytes: sizes.get(name) ?? 0
        }
      })
    })
  })
}

export interface TopicDescription {
  name: string
  id: string
  partitions: { partition: number, leader: number, replicas: number[], isr: number[], startOffset: string, endOffset: string }[]
  configs: Record<string, string | null>
}

/** The settings a topic was given (the rest is the broker's defaults). */
export async function topicConfigs (a: Admin, topic: string): Promise<Record<string, string | null>> {
  const configs: Record<string, string | null> = {}
  const described = await a.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }], includeSynonyms: false, includeDocumentation: false })
  for (const entry of described[0]?.configs ?? []) {
    if (entry.configSource === ConfigSources.DYNAMIC_TOPIC_CONFIG) configs[entry.name] = entry.value ?? null
  }
  return configs
}

export async function describeTopic (config: KafkaAccess, topic: string): Promise<TopicDescription> {
  return await withAdmin(config, async a => {
    await requireTopic(a, config, topic)
    const t = (await a.metadata({ topics: [topic] })).topics.get(topic)!
    const configs = await topicConfigs(a, topic)
    return await withOffsets(config, async c => {
      const ends = await offsetsAt(c, topic, LATEST)
      const starts = await offsetsAt(c, topic, EARLIEST)
      return {
        name: topic,
        id: t.id,
        partitions: t.partitions.map((p, partition) => ({ partition, leader: p.leader, replicas: p.replicas, isr: p.isr, startOffset: String(starts[partition] ?? 0n), endOffset: String(ends[partition] ?? 0n) })),
        configs
      }
    })
  })
}

export async function createTopic (config: KafkaAccess, topic: string, options: { partitions: number, replication: number }): Promise<void> {
  await withAdmin(config, async a => {
    if ((await a.listTopics({ includeInternals: true })).includes(topic)) throw new OperationError('TOPIC_EXISTS', `Topic "${topic}" exists already: ./ripple kafka topic describe ${topic} shows it.`)
    await a.createTopics({ topics: [topic], partitions: options.partitions, replicas: options.replication })
  })
}

export async function deleteTopic (config: KafkaAccess, topic: string): Promise<void> {
  await withAdmin(config, async a => {
    await requireTopic(a, config, topic)
    await a.deleteTopics({ topics: [topic] })
  })
}

/** `--header k=v`, as many as given; the value may hold '='. */
export function parseHeader (text: string): [string, string] {
  const at = text.indexOf('=')
  if (at < 1) throw new OperationError('BAD_HEADER', `A header is key=value, got "${text}".`)
  return [text.slice(0, at), text.slice(at + 1)]
}

/** Sends each value as one record with the kit's producer: acks=all, idempotent, in the given order. */
export async function produce (config: KafkaAccess, topic: string, values: string[], options: { key?: string, headers?: [string, string][] } = {}): Promise<{ count: number }> {
  await withAdmin(config, a => requireTopic(a, config, topic))
  const { createProducer } = await import('@ripple/kit')
  const producer = createProducer({ brokers: config.kafkaClient.brokers, sasl: config.kafkaClient.sasl, clientId: 'ripple-kafka-produce' })
  try {
    const headers = Object.fromEntries(options.headers ?? [])
    await producer.send(values.map(value => ({ topic, key: options.key ?? null, value, headers })))
    return { count: values.length }
  } finally {
    await producer.close()
  }
}

export interface ConsumedRecord {
  partition: number
  offset: string
  timestamp: string
  key: string | null
  headers: Record<string, string>
  value: string | null
  /** A Debezium change event's gist, when the value is one. */
  change?: { op: string, before: unknown, after: unknown, source: Record<string, unknown> }
}

const OPS: Record<string, string> = { c: 'create', u: 'update', d: 'delete', r: 'read (snapshot)', t: 'truncate', m: 'message' }

/** Debezium's envelope (with or without the JSON converter's schema wrapper), else undefined. */
export function changeOf (value: string | null): ConsumedRecord['change'] {
  if (value === null || !value.startsWith('{')) return undefined
  let parsed: unknown
  try { parsed = JSON.parse(value) } catch { return undefined }
  const body = (parsed as { payload?: unknown, schema?: unknown }).schema !== undefined ? (parsed as { payload: unknown }).payload : parsed
  const e = body as { op?: unknown, before?: unknown, after?: unknown, source?: unknown } | null
  if (!e || typeof e.op !== 'string' || !(e.op in OPS) || typeof e.source !== 'object' || e.source === null) return undefined
  const source = e.source as Record<string, unknown>
  // Where the change was read: the binlog position (MariaDB/MySQL) or the WAL position (PostgreSQL).
  const position = Object.fromEntries(['connector', 'db', 'table', 'file', 'pos', 'row', 'gtid', 'lsn', 'txId', 'ts_ms'].filter(k => source[k] !== undefined && source[k] !== null).map(k => [k, source[k]]))
  return { op: OPS[e.op]!, before: e.before ?? null, after: e.after ?? null, source: position }
}

export interface ConsumeOptions {
  group?: string
  fromBeginning?: boolean
  /** `P:N`: partition P from offset N (only that partition). */
  offset?: string
  /** `10m`, `2h`, `30s`, `1d`: records from that long ago on. */
  since?: string
  max?: number
  /** Keep waiting for new records instead of ending at the end offsets seen at the start. */
  follow?: boolean
  signal?: AbortSignal
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

export function sinceMs (text: string, now = Date.now()): number {
  const m = /^(\d+)([smhd])$/.exec(text)
  if (!m) throw new OperationError('BAD_SINCE', `--since takes a number and a unit, e.g. 30s, 10m, 2h or 1d; got "${text}".`)
  return now - Number(m[1]) * UNITS[m[2]!]!
}

/**
 * Reads a topic: by default what arrives from now on (as kafka-console-consumer), or from the
 * start, an offset or a time. Without --group it uses a throw-away group and commits nothing; with
 * one it reads from the group's committed offsets and commits what it read.
 */
export async function consume (config: KafkaAccess, topic: string, options: ConsumeOptions, onRecord: (r: ConsumedRecord) => void): Promise<number> {
  const starting = [options.fromBeginning, options.offset !== undefined, options.since !== undefined].filter(Boolean).length
  if (starting > 1) throw new OperationError('CONSUME_START', 'Say where to start once: --from-beginning, --offset P:N or --since.')
  if (options.group !== undefined && starting > 0) throw new OperationError('CONSUME_START', `A group reads from its committed offsets: use ./ripple kafka group reset ${options.group} to move them, or leave out --group.`)
  await withAdmin(config, a => requireTopic(a, config, topic))
  const text = (b?: Buffer) => b?.toString('utf8')
  const consumer = new Consumer<Buffer | undefined, Buffer | undefined, string | undefined, string | undefined>({
    clientId: 'ripple-kafka-consume', bootstrapBrokers: config.kafkaClient.brokers, sasl: config.kafkaClient.sasl,
    groupId: options.group ?? `ripple-kafka-consume-${randomBytes(4).toString('hex')}`, maxWaitTime: 500,
    deserializers: { key: b => b, value: b => b, headerKey: text, headerValue: text }
  })
  const throwAway = options.group === undefined ? consumer.groupId : undefined
  let count = 0
  try {
    const ends = await offsetsAt(consumer, topic, LATEST)
    let starts: bigint[]
    let partitions = ends.map((_, p) => p)
    if (options.offset !== undefined) {
      const m = /^(\d+):(\d+)$/.exec(options.offset)
      if (!m || Number(m[1]) >= ends.length) throw new OperationError('BAD_OFFSET', `--offset is PARTITION:OFFSET with a partition below ${ends.length}, got "${options.offset}".`)
      partitions = [Number(m[1])]
      starts = ends.map(() => BigInt(m[2]!))
    } else if (options.since !== undefined) {
      const at = await offsetsAt(consumer, topic, BigInt(sinceMs(options.since)))
      // A partition with nothing since then answers -1: it starts at its end.
      starts = at.map((o, p) => o < 0n ? ends[p]! : o)
    } else if (options.group !== undefined) {
      // Where the group goes on from: its committed offsets, or (like Kafka's console consumer) the end.
      const committed = await withAdmin(config, async a => (await a.listConsumerGroupOffsets({ groups: [options.group!] }))[0]?.topics.find(t => t.name === topic)?.partitions ?? [])
      starts = ends.map((end, p) => {
        const at = committed.find(c => c.partitionIndex === p)?.committedOffset
        return at !== undefined && at >= 0n ? at : end
      })
    } else {
      starts = options.fromBeginning ? await offsetsAt(consumer, topic, EARLIEST) : ends
    }
    const pending = new Set(partitions.filter(p => (ends[p] ?? 0n) > (starts[p] ?? 0n)))
    if (pending.size === 0 && !options.follow) return 0
    const stream = options.group === undefined
      ? await consumer.consume({ topics: [topic], mode: 'manual', autocommit: false, offsets: partitions.map(partition => ({ topic, partition, offset: starts[partition] ?? 0n })) })
      : await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'latest', autocommit: false })
    // With a group, exactly what was printed is committed at the end: the library's autocommit would also commit records fetched and not shown.
    const printed = new Map<number, { offset: bigint, leaderEpoch: number }>()
    try {
      await new Promise<void>((resolve, reject) => {
        let finished = false
        const done = () => { finished = true; options.signal?.removeEventListener('abort', done); resolve() }
        options.signal?.addEventListener('abort', done)
        stream.on('data', m => {
          // Records already fetched keep arriving while the stream closes: they are not printed.
          if (finished || (!options.follow && m.offset >= (ends[m.partition] ?? 0n))) return
          const value = m.value?.toString('utf8') ?? null
          const record: ConsumedRecord = {
            partition: m.partition, offset: String(m.offset), timestamp: new Date(Number(m.timestamp)).toISOString(),
            key: m.key?.toString('utf8') ?? null, headers: Object.fromEntries([...m.headers].map(([k, v]) => [k ?? '', v ?? ''])), value
          }
          const change = changeOf(value)
          if (change) record.change = change
          onRecord(record)
          printed.set(m.partition, { offset: m.offset, leaderEpoch: m.leaderEpoch })
          count++
          if (options.max !== undefined && count >= options.max) return done()
          // Transaction markers take offsets of their own: a partition is read at its last offset or past it.
          if (!options.follow && m.offset >= (ends[m.partition] ?? 0n) - 1n) pending.delete(m.partition)
          if (!options.follow && pending.size === 0) done()
        })
        stream.once('error', reject)
      })
      if (options.group !== undefined && printed.size > 0) {
        await consumer.commit({ offsets: [...printed].map(([partition, m]) => ({ topic, partition, offset: m.offset + 1n, leaderEpoch: m.leaderEpoch })) })
      }
    } finally {
      await stream.close()
    }
    return count
  } finally {
    await consumer.close(true)
    if (throwAway !== undefined) await dropThrowAwayGroup(config, throwAway)
  }
}

export interface GroupSummary { id: string, state: string, protocolType: string }

export async function listGroups (config: KafkaAccess): Promise<GroupSummary[]> {
  return await withAdmin(config, async a => [...(await a.listGroups()).values()].map(g => ({ id: g.id, state: String(g.state), protocolType: g.protocolType })).sort((x, y) => x.id.localeCompare(y.id)))
}

export interface GroupDescription {
  id: string
  state: string
  members: { id: string, clientId: string, host: string, assignment: { topic: string, partitions: number[] }[] }[]
  offsets: { topic: string, partition: number, committed: string | null, end: string, lag: string | null, member: string | null }[]
}

export async function describeGroup (config: KafkaAccess, group: string): Promise<GroupDescription> {
  return await withAdmin(config, async a => {
    const described = await describeOne(a, group)
    if (!described) throw unknownGroup(group)
    const members = [...described.members.values()].map(m => ({
      id: m.id, clientId: m.clientId, host: m.clientHost,
      assignment: [...(m.assignments ?? new Map()).entries()].map(([topic, a]) => ({ topic, partitions: [...(a as { partitions: number[] }).partitions] }))
    }))
    const owner = (topic: string, partition: number) => members.find(m => m.assignment.some(x => x.topic === topic && x.partitions.includes(partition)))?.id ?? null
    const committed = (await a.listConsumerGroupOffsets({ groups: [group] }))[0]?.topics ?? []
    const topics = [...new Set([...committed.map(t => t.name), ...members.flatMap(m => m.assignment.map(x => x.topic))])].sort()
    const offsets: GroupDescription['offsets'] = []
    await withOffsets(config, async c => {
      for (const topic of topics) {
        const ends = await offsetsAt(c, topic, LATEST)
        ends.forEach((end, partition) => {
          const at = committed.find(t => t.name === topic)?.partitions.find(p => p.partitionIndex === partition)?.committedOffset
          const known = at !== undefined && at >= 0n
          offsets.push({ topic, partition, committed: known ? String(at) : null, end: String(end), lag: known ? String(end - at) : null, member: owner(topic, partition) })
        })
      }
    })
    return { id: group, state: String(described.state), members, offsets }
  })
}

/**
 * The broker answers a group it does not know with the state "Dead" (the wire value; Kafka's Java
 * enum says DEAD), never with an error, so "no such group" is decided here.
 */
export function groupExists<G extends { state: unknown }> (described: G | undefined): described is G {
  return described !== undefined && String(described.state).toUpperCase() !== 'DEAD'
}

/** Whether a client error says the group does not exist, however deep in its MultipleErrors. */
export function isGroupNotFound (err: unknown): boolean {
  const e = err as { apiId?: unknown, errors?: unknown } | null
  if (typeof e !== 'object' || e === null) return false
  return e.apiId === 'GROUP_ID_NOT_FOUND' || (Array.isArray(e.errors) && e.errors.some(isGroupNotFound))
}

/**
 * One group's description, undefined when the broker does not know it: the classic coordinator
 * answers such a group as "Dead", the newer one (KIP-848) may answer GROUP_ID_NOT_FOUND instead.
 */
async function describeOne (a: Admin, group: string) {
  try {
    const described = (await a.describeGroups({ groups: [group] })).get(group)
    return groupExists(described) ? described : undefined
  } catch (err) {
    if (isGroupNotFound(err)) return undefined
    throw err
  }
}

const unknownGroup = (group: string) => new OperationError('UNKNOWN_GROUP', `no such group: ${group} (./ripple kafka groups lists them)`)

/** Refuses while the group has members: they would commit over whatever is done to it. */
interface GroupMembers { state: unknown, members: Map<string, { clientId: string, clientHost: string }> }

function requireInactive (group: string, described: GroupMembers | undefined, what: string): void {
  if (!described || described.members.size === 0) return
  const members = [...described.members].map(([id, m]) => `${id} (${m.clientId}@${m.clientHost})`).join(', ')
  throw new OperationError('GROUP_ACTIVE', `Group "${group}" has ${described.members.size} member(s) (${String(described.state)}): ${members}; stop its consumers first (e.g. ./ripple stop <service>), then ${what}.`)
}

/** Deletes a consumer group and its committed offsets; refused while it has members, as Kafka's own tool does. */
export async function deleteGroup (config: KafkaAccess, group: string): Promise<void> {
  await withAdmin(config, async a => {
    const described = await describeOne(a, group)
    if (!described) throw unknownGroup(group)
    requireInactive(group, described, 'delete it')
    await a.deleteGroups({ groups: [group] })
  })
}

/**
 * The library joins a group to consume, even at offsets given by hand, so a read that should leave
 * nothing behind deletes its throw-away group once its consumer has left it. A group that cannot be
 * deleted yet is left to the broker's own expiry of empty groups rather than failing a read that
 * has succeeded.
 */
export async function dropThrowAwayGroup (config: KafkaAccess, group: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await withAdmin(config, async a => {
        if (await describeOne(a, group)) await a.deleteGroups({ groups: [group] })
      })
      return
    } catch {
      await delay(300)
    }
  }
}

export type ResetTarget =
  | { to: 'earliest' }
  | { to: 'latest' }
  | { to: 'datetime', at: Date }
  | { to: 'offset', offset: bigint }
  | { to: 'shift', by: bigint }

/** One partition of a reset: the committed offset now (null: none) and the one it moves to. */
export interface ResetStep { partition: number, current: string | null, offset: string }

/** What a reset sees of a topic, per partition index. */
export interface ResetInputs {
  committed: (bigint | null)[]
  earliest: bigint[]
  latest: bigint[]
  /** For a datetime: the first offset at or after it, -1 where there is none. */
  atTime?: bigint[]
}

/**
 * Where each partition moves, as Kafka's kafka-consumer-groups --reset-offsets decides it: an
 * offset or a shift is kept within the records held (earliest..latest), a time with no record at or
 * after it goes to the end, and a shift needs a committed offset to shift from.
 */
export function planReset (target: ResetTarget, inputs: ResetInputs): ResetStep[] {
  return inputs.latest.map((latest, partition) => {
    const earliest = inputs.earliest[partition] ?? 0n
    const current = inputs.committed[partition] ?? null
    const clamp = (o: bigint) => o < earliest ? earliest : o > latest ? latest : o
    let next: bigint
    switch (target.to) {
      case 'earliest': next = earliest; break
      case 'latest': next = latest; break
      case 'datetime': { const at = inputs.atTime?.[partition] ?? -1n; next = at < 0n ? latest : at; break }
      case 'offset': next = clamp(target.offset); break
      case 'shift':
        if (current === null) throw new OperationError('RESET_NO_OFFSET', `Partition ${partition} has no committed offset to shift from: use --to-offset, --to-earliest, --to-latest or --to-datetime.`)
        next = clamp(current + target.by)
        break
    }
    return { partition, current: current === null ? null : String(current), offset: String(next) }
  })
}

/**
 * Moves a group's committed offsets on one topic, or with dryRun only says where they would go.
 * Refused while the group has members (they would commit over it), for a dry run too, so a preview
 * is never shown for a reset that would then be refused.
 */
export async function resetGroup (config: KafkaAccess, group: string, topic: string, target: ResetTarget, options: { dryRun?: boolean } = {}): Promise<ResetStep[]> {
  return await withAdmin(config, async a => {
    await requireTopic(a, config, topic)
    requireInactive(group, await describeOne(a, group), 'reset')
    const committedTopic = (await a.listConsumerGroupOffsets({ groups: [group] }))[0]?.topics.find(t => t.name === topic)?.partitions ?? []
    const plan = await withOffsets(config, async c => {
      const latest = await offsetsAt(c, topic, LATEST)
      const earliest = await offsetsAt(c, topic, EARLIEST)
      const atTime = target.to === 'datetime' ? await offsetsAt(c, topic, BigInt(target.at.getTime())) : undefined
      const committed = latest.map((_, p) => {
        const at = committedTopic.find(x => x.partitionIndex === p)?.committedOffset
        return at !== undefined && at >= 0n ? at : null
      })
      return planReset(target, { committed, earliest, latest, atTime })
    })
    if (!options.dryRun) await a.alterConsumerGroupOffsets({ groupId: group, topics: [{ name: topic, partitionOffsets: plan.map(s => ({ partition: s.partition, offset: BigInt(s.offset) })) }] })
    return plan
  })
}
