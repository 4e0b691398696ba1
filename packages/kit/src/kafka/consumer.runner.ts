import { setTimeout as delay } from 'node:timers/promises'
import { Consumer, stringDeserializer } from '@platformatic/kafka'
import type { Message, MessagesStream } from '@platformatic/kafka'
import pLimit from 'p-limit'
import type { LimitFunction } from 'p-limit'
import pRetry from 'p-retry'
import type { Logger } from '../logging/logger.ts'
import type { Metrics } from '../metrics/metrics.ts'
import type { DeadLetterPublisher } from '../retry/dead-letter.publisher.ts'
import { defaultRetryOptions, processWithRetry } from '../retry/retry.policy.ts'
import type { RetryOptions } from '../retry/retry.policy.ts'
import type { ConsumedMessage, MessageHandler } from './kafka.types.ts'

export interface ConsumerRunnerOptions {
  brokers: string[]
  groupId: string
  topics: string[]
  clientId?: string
  handler: MessageHandler
  logger: Logger
  metrics?: Metrics
  dlq: DeadLetterPublisher
  retry?: Partial<RetryOptions>
  /** Where a group without committed offsets starts: earliest, so nothing published before the first start is missed. */
  fallbackMode?: 'earliest' | 'latest'
  /** Messages fetched but not yet handled before fetching pauses. */
  maxBuffered?: number
  /**
   * Messages of one partition handled at once (default 1: strictly one after the other). Above 1,
   * messages with the same key still run one after the other, in offset order, while other keys
   * overtake them; the committed offset only moves past a message once it and every message
   * before it in the partition are done, so a crash still redelivers rather than loses.
   */
  concurrencyPerPartition?: number
  lagIntervalMs?: number
  /**
   * A fetch waits for this many bytes (default 1) or fetchMaxWaitMs, whichever comes first (Java's
   * fetch.min.bytes and fetch.max.wait.ms). With 1 byte every record a producer appends wakes every
   * consumer of the topic for a fetch of its own, which at a few hundred records a second costs the
   * broker more than the records; a few KB with a wait of some ms lets one fetch carry many.
   */
  fetchMinBytes?: number
  fetchMaxWaitMs?: number
  /** How long stop() waits for offset commits (they wait out a rebalance in progress). */
  commitTimeoutMs?: number
  /**
   * Commit at most this often (ms) rather than after every message: each commit is a write to
   * __consumer_offsets, which at thousands of messages a second costs the broker more than the
   * messages. Still only offsets of handled messages; a crash redelivers at most this much more.
   */
  commitIntervalMs?: number
  /**
   * How long the group waits for a member that stopped heartbeating (a crash, a kill) before
   * handing its partitions to the others; the client's default is a minute.
   */
  sessionTimeoutMs?: number
  /** Called when a message could be neither processed nor dead-lettered (the runner has stopped); services exit so a supervisor restarts them. */
  onFatal?: (error: unknown) => void
}

export interface ConsumerHealth {
  healthy: boolean
  /** Why not, in one sentence, when not healthy. */
  reason?: string
}

export interface ConsumerRunner {
  /** Stops fetching, lets each partition finish the message it is handling, commits, leaves the group. */
  stop (): Promise<void>
  isActive (): boolean
  /** What /health reports for this member. */
  health (): ConsumerHealth
}

type RawMessage = Message<Buffer, Buffer, string, Buffer>

/** One partition as this member handles it: what runs, and what is done but not yet committable. */
interface Lane {
  name: string
  limit: LimitFunction
  /** The tail of each key's chain, so a key's next message starts after its previous one. */
  keys: Map<string, Promise<void>>
  /** Dispatched messages in offset order, from the oldest not yet committed; `head` indexes it. */
  pending: { raw: RawMessage, done: boolean }[]
  head: number
  /** Offsets below were dispatched by this member: after a rebalance or a reopened stream the
   * library rewinds to the committed offset, and those are skipped rather than run twice. */
  next: bigint
}

/**
 * One consumer group member. Each message goes through the handler (with retries and the
 * dead-letter topic) and only then is its offset committed, so a crash redelivers rather than
 * loses. Partitions are handled concurrently, each in order (or, with concurrencyPerPartition,
 * each key in order), which keeps per-key order.
 */
export async function runConsumer (options: ConsumerRunnerOptions): Promise<ConsumerRunner> {
  const { logger, metrics, topics } = options
  const retry = { ...defaultRetryOptions, ...options.retry }
  // Fetches arrive one partition at a time: a small buffer fills with one partition's messages
  // and leaves the other lanes idle (bench/cdc-email measured 119/s at 500 against 273/s unbounded).
  const maxBuffered = options.maxBuffered ?? 5000
  const concurrency = options.concurrencyPerPartition ?? 1
  const consumer = new Consumer<Buffer, Buffer, string, Buffer>({
    clientId: options.clientId ?? options.groupId,
    bootstrapBrokers: options.brokers,
    groupId: options.groupId,
    autocommit: false,
    autocreateTopics: true,
    // Short fetch waits keep stop() and rebalances prompt; an idle consumer just polls a little more.
    maxWaitTime: options.fetchMaxWaitMs ?? 500,
    ...(options.fetchMinBytes === undefined ? {} : { minBytes: options.fetchMinBytes }),
    ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeout: options.sessionTimeoutMs, heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 4)) }),
    deserializers: { headerKey: stringDeserializer }
  })

  const stopping = new AbortController()
  const lanes = new Map<string, Lane>()
  const running = new Set<Promise<void>>()
  const commits = new Set<Promise<void>>()
  const commitIntervalMs = options.commitIntervalMs ?? 0
  const toCommit = new Map<Lane, RawMessage>()
  let commitTimer: NodeJS.Timeout | undefined
  let buffered = 0
  let stream: MessagesStream<Buffer, Buffer, string, Buffer> | undefined

  const isAssigned = (m: RawMessage) => {
    const assignments = consumer.assignments
    return assignments === null || assignments.some(a => a.topic === m.topic && a.partitions.includes(m.partition))
  }

  function laneOf (raw: RawMessage): Lane {
    const name = `${raw.topic}:${raw.partition}`
    let lane = lanes.get(name)
    if (!lane) {
      lane = { name, limit: pLimit(concurrency), keys: new Map(), pending: [], head: 0, next: -1n }
      lanes.set(name, lane)
    }
    return lane
  }

  /** Commits past every message at the head of the lane that is done. */
  function advance (lane: Lane): void {
    let last: RawMessage | undefined
    while (lane.head < lane.pending.length && lane.pending[lane.head]!.done) last = lane.pending[lane.head++]!.raw
    if (lane.head > 1024 && lane.head * 2 > lane.pending.length) {
      lane.pending.splice(0, lane.head)
      lane.head = 0
    }
    if (!last) return
    if (commitIntervalMs <= 0) return commit(lane, last)
    toCommit.set(lane, last)
    commitTimer ??= setTimeout(flushCommits, commitIntervalMs)
  }

  function flushCommits (): void {
    clearTimeout(commitTimer)
    commitTimer = undefined
    for (const [lane, raw] of toCommit) commit(lane, raw)
    toCommit.clear()
  }

  function commit (lane: Lane, raw: RawMessage): void {
    // A lane dropped after its partition was revoked commits nothing: its offsets are the new owner's.
    if (lanes.get(lane.name) !== lane) return
    const done = Promise.resolve(raw.commit())
      .catch((err: unknown) => logger.warn({ err, topic: raw.topic, partition: raw.partition, offset: String(raw.offset) }, 'offset commit failed; the message may be delivered again'))
      .finally(() => commits.delete(done))
    commits.add(done)
  }

  async function handle (raw: RawMessage, lane: Lane, entry: { done: boolean }): Promise<void> {
    if (stopping.signal.aborted) return
    if (!isAssigned(raw)) {
      // Revoked: forget the lane, so when the partition comes back it starts from the committed offset.
      if (lanes.get(lane.name) === lane) lanes.delete(lane.name)
      return
    }
    const message: ConsumedMessage = {
      topic: raw.topic, partition: raw.partition, offset: raw.offset, timestamp: raw.timestamp,
      key: raw.key ?? null, value: raw.value ?? null, headers: raw.headers
    }
    const end = metrics?.messageDuration.startTimer({ topic: raw.topic })
    const { outcome } = await processWithRetry(message, options.handler, { retry, dlq: options.dlq, logger, signal: stopping.signal })
    end?.()
    metrics?.messages.inc({ topic: raw.topic, outcome })
    if (outcome === 'aborted') return
    entry.done = true
    advance(lane)
  }

  function enqueue (raw: RawMessage): void {
    if (stopping.signal.aborted) return
    const lane = laneOf(raw)
    if (raw.offset < lane.next) return
    lane.next = raw.offset + 1n
    const entry = { raw, done: false }
    lane.pending.push(entry)
    if (++buffered >= maxBuffered) stream?.pause()
    // Keyless records promise no order among themselves, so each is its own chain.
    const key = raw.key ? raw.key.toString('latin1') : `#${raw.offset}`
    const previous = lane.keys.get(key)
    // p-limit starts tasks in the order they were queued, so `previous` already holds a slot and
    // never waits for this one's: no deadlock however small the limit.
    const task = lane.limit(async () => {
      if (previous) await previous
      await handle(raw, lane, entry)
    })
    const settled: Promise<void> = task
      .catch((err: unknown) => {
        // Only a dead-letter failure that outlived its retries gets here: without a commit the
        // message comes back after a restart, so stop this member rather than skip it.
        logger.fatal({ err, lane: lane.name }, 'a message could be neither processed nor dead-lettered; stopping the consumer')
        void runner.stop().then(() => options.onFatal?.(err))
      })
      .finally(() => {
        running.delete(settled)
        if (lane.keys.get(key) === settled) lane.keys.delete(key)
        if (--buffered < maxBuffered / 2 && !stopping.signal.aborted && stream?.isPaused()) stream.resume()
      })
    lane.keys.set(key, settled)
    running.add(settled)
  }

  async function open (): Promise<void> {
    const current = await pRetry(() => consumer.consume({ topics, mode: 'committed', fallbackMode: options.fallbackMode ?? 'earliest', autocommit: false }), {
      retries: Number.POSITIVE_INFINITY,
      maxTimeout: 10_000,
      signal: stopping.signal,
      onFailedAttempt: ({ error }) => logger.error({ err: error, topics }, 'cannot join the consumer group, retrying')
    })
    stream = current
    current.on('data', enqueue)
    current.on('error', err => logger.error({ err, topics }, 'consumer stream failed'))
    current.once('close', () => {
      // The library tears a stream down on some group errors; the member carries on with a new one.
      if (stopping.signal.aborted) return
      logger.warn({ topics }, 'consumer stream closed unexpectedly, reopening')
      delay(1000, undefined, { ref: false })
        .then(open)
        .catch((err: unknown) => { if (!stopping.signal.aborted) logger.fatal({ err }, 'cannot reopen the consumer stream') })
    })
  }

  await open()
  if (metrics) {
    consumer.on('consumer:lag', lag => {
      for (const [topic, partitions] of lag) {
        // -1 marks a partition of another member: its series belongs to that member's metrics.
        partitions.forEach((value, partition) => value >= 0n ? metrics.consumerLag.set({ topic, partition }, Number(value)) : metrics.consumerLag.remove({ topic, partition }))
      }
    })
    consumer.startLagMonitoring({ topics }, options.lagIntervalMs ?? 5000)
  }
  logger.info({ groupId: options.groupId, topics, assignments: consumer.assignments }, 'consumer started')

  let stopped: Promise<void> | undefined
  const runner: ConsumerRunner = {
    isActive: () => !stopping.signal.aborted && consumer.isActive(),
    health: () => runner.isActive() ? { healthy: true } : { healthy: false, reason: 'the consumer is not active' },
    stop: () => {
      stopped ??= (async () => {
        stopping.abort()
        consumer.stopLagMonitoring()
        stream?.pause()
        // Queued messages see the stop and return at once; those running finish (or give up through their signal).
        await Promise.allSettled([...running])
        flushCommits()
        // A commit queued during a rebalance waits for the rejoin; one that cannot land in time is
        // only a redelivery for the next member, which the handler's idempotence absorbs.
        await Promise.race([Promise.allSettled([...commits]), delay(options.commitTimeoutMs ?? 10_000, undefined, { ref: false })])
        await stream?.close()
        await consumer.close(true)
        logger.info({ groupId: options.groupId, topics }, 'consumer stopped')
      })()
      return stopped
    }
  }
  return runner
}
