import { setTimeout as delay } from 'node:timers/promises'
import { Consumer, stringDeserializer } from '@platformatic/kafka'
import type { Message, MessagesStream } from '@platformatic/kafka'
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
  lagIntervalMs?: number
  /** How long stop() waits for offset commits (they wait out a rebalance in progress). */
  commitTimeoutMs?: number
  /** Called when a message could be neither processed nor dead-lettered (the runner has stopped); services exit so a supervisor restarts them. */
  onFatal?: (error: unknown) => void
}

export interface ConsumerRunner {
  /** Stops fetching, lets each partition finish the message it is handling, commits, leaves the group. */
  stop (): Promise<void>
  isActive (): boolean
}

type RawMessage = Message<Buffer, Buffer, string, Buffer>

/**
 * One consumer group member. Each message goes through the handler (with retries and the
 * dead-letter topic) and only then is its offset committed, so a crash redelivers rather than
 * loses. Partitions are handled concurrently, each strictly in order, which keeps per-key order.
 */
export async function runConsumer (options: ConsumerRunnerOptions): Promise<ConsumerRunner> {
  const { logger, metrics, topics } = options
  const retry = { ...defaultRetryOptions, ...options.retry }
  const maxBuffered = options.maxBuffered ?? 500
  const consumer = new Consumer<Buffer, Buffer, string, Buffer>({
    clientId: options.clientId ?? options.groupId,
    bootstrapBrokers: options.brokers,
    groupId: options.groupId,
    autocommit: false,
    autocreateTopics: true,
    // Short fetch waits keep stop() and rebalances prompt; an idle consumer just polls a little more.
    maxWaitTime: 500,
    deserializers: { headerKey: stringDeserializer }
  })

  const stopping = new AbortController()
  const lanes = new Map<string, Promise<void>>()
  // Next offset to handle per partition: after a rebalance or a reopened stream the library
  // rewinds to the committed offset, and messages this member already handled are skipped.
  const nextOffset = new Map<string, bigint>()
  const commits = new Set<Promise<void>>()
  let buffered = 0
  let stream: MessagesStream<Buffer, Buffer, string, Buffer> | undefined

  const isAssigned = (m: RawMessage) => {
    const assignments = consumer.assignments
    return assignments === null || assignments.some(a => a.topic === m.topic && a.partitions.includes(m.partition))
  }

  async function handle (raw: RawMessage): Promise<void> {
    const lane = `${raw.topic}:${raw.partition}`
    if (stopping.signal.aborted || !isAssigned(raw)) return
    if (raw.offset < (nextOffset.get(lane) ?? -1n)) return
    const message: ConsumedMessage = {
      topic: raw.topic, partition: raw.partition, offset: raw.offset, timestamp: raw.timestamp,
      key: raw.key ?? null, value: raw.value ?? null, headers: raw.headers
    }
    const end = metrics?.messageDuration.startTimer({ topic: raw.topic })
    const { outcome } = await processWithRetry(message, options.handler, { retry, dlq: options.dlq, logger, signal: stopping.signal })
    end?.()
    metrics?.messages.inc({ topic: raw.topic, outcome })
    if (outcome === 'aborted') return
    nextOffset.set(lane, raw.offset + 1n)
    const commit = Promise.resolve(raw.commit())
      .catch((err: unknown) => logger.warn({ err, topic: raw.topic, partition: raw.partition, offset: String(raw.offset) }, 'offset commit failed; the message may be delivered again'))
      .finally(() => commits.delete(commit))
    commits.add(commit)
  }

  function enqueue (raw: RawMessage): void {
    if (stopping.signal.aborted) return
    const lane = `${raw.topic}:${raw.partition}`
    if (++buffered >= maxBuffered) stream?.pause()
    const next = (lanes.get(lane) ?? Promise.resolve())
      .then(() => handle(raw))
      .catch((err: unknown) => {
        // Only a dead-letter failure that outlived its retries gets here: without a commit the
        // message comes back after a restart, so stop this member rather than skip it.
        logger.fatal({ err, lane }, 'a message could be neither processed nor dead-lettered; stopping the consumer')
        void runner.stop().then(() => options.onFatal?.(err))
      })
      .finally(() => {
        if (--buffered < maxBuffered / 2 && !stopping.signal.aborted && stream?.isPaused()) stream.resume()
      })
    lanes.set(lane, next)
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
    stop: () => {
      stopped ??= (async () => {
        stopping.abort()
        consumer.stopLagMonitoring()
        stream?.pause()
        await Promise.allSettled([...lanes.values()])
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
