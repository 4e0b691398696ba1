import { setTimeout as delay } from 'node:timers/promises'
import { Consumer, UserError, stringDeserializer } from '@platformatic/kafka'
import type { ConsumerOptions, Message, MessagesStream } from '@platformatic/kafka'
import pLimit from 'p-limit'
import type { LimitFunction } from 'p-limit'
import pRetry, { AbortError } from 'p-retry'
import type { Logger } from '../logging/logger.ts'
import type { Metrics } from '../metrics/metrics.ts'
import { deadLetterTopic } from '../retry/dead-letter.publisher.ts'
import type { DeadLetterPublisher } from '../retry/dead-letter.publisher.ts'
import { defaultRetryOptions, processWithRetry } from '../retry/retry.policy.ts'
import type { RetryOptions } from '../retry/retry.policy.ts'
import type { ConsumedMessage, KafkaSasl, MessageHandler } from './kafka.types.ts'

export interface ConsumerRunnerOptions {
  brokers: string[]
  /** The principal's login (kafkaSasl(config) in a service): the brokers refuse clients without one. */
  sasl?: KafkaSasl
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
  /**
   * A partition whose fetched work has gone this long without a commit makes health() unhealthy
   * (default a minute): a message retried through an outage, or a member that cannot commit.
   */
  stallAfterMs?: number
  /**
   * A member out of its group this long (no join nor heartbeat answered) is replaced by a new
   * client that joins afresh (default the session timeout plus 20 s): after a long broker outage
   * the library's own rejoin gives up after a few attempts and would leave the member out for good.
   */
  rejoinAfterMs?: number
  /** Called when the runner cannot go on (a message could be neither processed nor dead-lettered, or the client was misused); services exit so a supervisor restarts them. */
  onFatal?: (error: unknown) => void
  /** Makes each library client (default: a new Consumer); unit tests hand in a stand-in. */
  createClient?: (clientOptions: ConsumerOptions<Buffer, Buffer, string, Buffer>) => Consumer<Buffer, Buffer, string, Buffer>
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
type Client = Consumer<Buffer, Buffer, string, Buffer>
type Stream = MessagesStream<Buffer, Buffer, string, Buffer>

/** One partition as this member handles it: what runs, and what is done but not yet committable. */
interface Lane {
  name: string
  topic: string
  partition: number
  limit: LimitFunction
  /** The tail of each key's chain, so a key's next message starts after its previous one. */
  keys: Map<string, Promise<void>>
  /** Dispatched messages in offset order, from the oldest not yet committed; `head` indexes it. */
  pending: { raw: RawMessage, done: boolean }[]
  head: number
  /** Offsets below were dispatched by this member: after a rebalance, a reopened stream or a new
   * client the library rewinds to the committed offset, and those are skipped rather than run twice. */
  next: bigint
  /** The offset the group holds for the partition, as far as this member committed it. */
  committed: bigint
  /** Since when work waits here with no commit since (undefined: everything dispatched is committed). */
  workSince: number | undefined
  /** Why the message at work is being retried, for /health. */
  retrying: string | undefined
}

/** The library client with its one stream: replaced as a whole when it cannot get back into its group. */
interface Member {
  client: Client
  stream: Stream | undefined
  /** When it last joined or had a heartbeat answered: the group's last word that it is a member. */
  lastContact: number
}

// Longer than a failing member's cycle (its stream closes, a new client rejoins in ~10 s, the next fetch fails).
const FETCH_FAILURE_SHOWN_MS = 30_000

const seconds = (ms: number): number => Math.round(ms / 1000)
const message = (error: unknown): string => error instanceof Error ? error.message : String(error)

/**
 * One consumer group member. Each message goes through the handler (with retries and the
 * dead-letter topic) and only then is its offset committed, so a crash redelivers rather than
 * loses. Partitions are handled concurrently, each in order (or, with concurrencyPerPartition,
 * each key in order), which keeps per-key order. A member that falls out of its group (a broker
 * outage longer than the session) is replaced by a fresh client, keeping the work in hand.
 */
export async function runConsumer (options: ConsumerRunnerOptions): Promise<ConsumerRunner> {
  const { logger, metrics, topics } = options
  const retry = { ...defaultRetryOptions, ...options.retry }
  // Fetches arrive one partition at a time: a small buffer fills with one partition's messages
  // and leaves the other lanes idle (bench/cdc-email measured 119/s at 500 against 273/s unbounded).
  const maxBuffered = options.maxBuffered ?? 5000
  const concurrency = options.concurrencyPerPartition ?? 1
  const stallAfterMs = options.stallAfterMs ?? 60_000
  // The library's default session is a minute; the group allows a member that long without a word.
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 60_000
  const rejoinAfterMs = options.rejoinAfterMs ?? sessionTimeoutMs + 20_000
  const lagIntervalMs = options.lagIntervalMs ?? 5000
  const commitIntervalMs = options.commitIntervalMs ?? 0

  const stopping = new AbortController()
  const lanes = new Map<string, Lane>()
  const running = new Set<Promise<void>>()
  const toCommit = new Map<Lane, RawMessage>()
  let committing: Promise<void> | undefined
  let commitTimer: NodeJS.Timeout | undefined
  let buffered = 0
  let member: Member | undefined
  /**
   * The last fetch that failed (a partition's leader gone, the cluster short of replicas), until a
   * record arrives: the stream closes on it and a new client rejoins within seconds, so without
   * this a member that cannot fetch anything would look healthy between two failures.
   */
  let fetchFailure: { reason: string, at: number } | undefined
  /** Set while a new client is being joined in place of one that fell out of its group. */
  let replacing: { reason: string, promise: Promise<void> } | undefined

  const isAssigned = (client: Client, topic: string, partition: number) => {
    const assignments = client.assignments
    return assignments === null || assignments.some(a => a.topic === topic && a.partitions.includes(partition))
  }

  const newClient = options.createClient ?? (clientOptions => new Consumer<Buffer, Buffer, string, Buffer>(clientOptions))

  function createClient (): Client {
    return newClient({
      clientId: options.clientId ?? options.groupId,
      bootstrapBrokers: options.brokers,
      ...(options.sasl ? { sasl: options.sasl } : {}),
      groupId: options.groupId,
      autocommit: false,
      autocreateTopics: true,
      // Short fetch waits keep stop() and rebalances prompt; an idle consumer just polls a little more.
      maxWaitTime: options.fetchMaxWaitMs ?? 500,
      ...(options.fetchMinBytes === undefined ? {} : { minBytes: options.fetchMinBytes }),
      ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeout: options.sessionTimeoutMs, heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 4)) }),
      deserializers: { headerKey: stringDeserializer }
    })
  }

  /** A new client in the group with its stream, retried for as long as the brokers are away. */
  async function join (): Promise<Member> {
    return await pRetry(async () => {
      if (stopping.signal.aborted) throw new AbortError('stopping')
      const client = createClient()
      const joined: Member = { client, stream: undefined, lastContact: Date.now() }
      // Without a listener an 'error' (a rejoin the library gave up on) would throw; the watchdog sees the member is out.
      client.on('error', err => logger.warn({ err, topics }, 'consumer group error'))
      client.on('consumer:group:join', () => {
        joined.lastContact = Date.now()
        if (member === joined) onJoined(client)
      })
      client.on('consumer:heartbeat:end', () => { joined.lastContact = Date.now() })
      try {
        const stream = await client.consume({ topics, mode: 'committed', fallbackMode: options.fallbackMode ?? 'earliest', autocommit: false })
        joined.stream = stream
        joined.lastContact = Date.now()
        stream.on('data', (raw: RawMessage) => {
          if (member !== joined) return
          fetchFailure = undefined
          enqueue(raw)
        })
        stream.on('error', err => {
          fetchFailure = { reason: message(err), at: Date.now() }
          logger.warn({ err, topics }, 'consumer stream failed')
        })
        stream.once('close', () => {
          // The library tears a stream down on some errors; the member carries on with a new client.
          if (member === joined && !stopping.signal.aborted) replace('its stream closed')
        })
        if (metrics) {
          client.on('consumer:lag', lag => {
            for (const [topic, partitions] of lag) {
              // -1 marks a partition of another member: its series belongs to that member's metrics.
              partitions.forEach((value, partition) => value >= 0n ? metrics.consumerLag.set({ topic, partition }, Number(value)) : metrics.consumerLag.remove({ topic, partition }))
            }
          })
          client.startLagMonitoring({ topics }, lagIntervalMs)
        }
        return joined
      } catch (error) {
        void client.close(true).catch(() => {})
        throw error
      }
    }, {
      retries: Number.POSITIVE_INFINITY,
      maxTimeout: 10_000,
      signal: stopping.signal,
      // Misuse of the library (bad options) does not pass by waiting.
      shouldRetry: ({ error }) => !(error instanceof UserError),
      onFailedAttempt: ({ error }) => logger.error({ err: error, topics }, 'cannot join the consumer group, retrying')
    })
  }

  /** After a (re)join: lanes of partitions now another member's are dropped, queued commits go out. */
  function onJoined (client: Client): void {
    for (const lane of lanes.values()) {
      if (!isAssigned(client, lane.topic, lane.partition)) dropLane(lane)
    }
    flushCommits()
  }

  function dropLane (lane: Lane): void {
    if (lanes.get(lane.name) !== lane) return
    lanes.delete(lane.name)
    toCommit.delete(lane)
    metrics?.consumerStalled.remove({ topic: lane.topic, partition: lane.partition })
  }

  /** Joins a new client in place of the current one; the lanes keep their work and skip what they already hold. */
  function replace (reason: string): void {
    if (replacing || stopping.signal.aborted) return
    const old = member
    logger.warn({ groupId: options.groupId, topics, reason }, 'consumer left its group; joining again with a new client')
    const promise = (async () => {
      if (old) {
        old.client.stopLagMonitoring()
        // Closing may wait on a broker that is gone: nothing here needs it to finish.
        void Promise.resolve(old.stream?.close()).then(() => old.client.close(true)).catch((err: unknown) => logger.debug({ err }, 'closing the replaced consumer failed'))
      }
      try {
        member = await join()
        onJoined(member.client)
        logger.info({ groupId: options.groupId, topics, assignments: member.client.assignments }, 'consumer rejoined its group')
      } catch (err) {
        if (stopping.signal.aborted) return
        logger.fatal({ err, groupId: options.groupId }, 'cannot join the consumer group; stopping')
        void runner.stop().then(() => options.onFatal?.(err))
      }
    })().finally(() => { replacing = undefined })
    replacing = { reason, promise }
  }

  /** How long the current member has been out of its group, or 0 while it is in. */
  function outOfGroupMs (now: number): number {
    if (!member) return 0
    const since = now - member.lastContact
    if (!member.client.isActive()) return Math.max(since, 1)
    // isActive stays true through a broker outage (heartbeats keep being scheduled): the group's
    // own measure of a silent member is the session.
    return since > sessionTimeoutMs ? since : 0
  }

  function laneOf (raw: RawMessage): Lane {
    const name = `${raw.topic}:${raw.partition}`
    let lane = lanes.get(name)
    if (!lane) {
      lane = { name, topic: raw.topic, partition: raw.partition, limit: pLimit(concurrency), keys: new Map(), pending: [], head: 0, next: -1n, committed: raw.offset, workSince: undefined, retrying: undefined }
      lanes.set(name, lane)
    }
    return lane
  }

  /** Queues a commit past every message at the head of the lane that is done. */
  function advance (lane: Lane): void {
    let last: RawMessage | undefined
    while (lane.head < lane.pending.length && lane.pending[lane.head]!.done) last = lane.pending[lane.head++]!.raw
    if (lane.head > 1024 && lane.head * 2 > lane.pending.length) {
      lane.pending.splice(0, lane.head)
      lane.head = 0
    }
    if (!last) return
    toCommit.set(lane, last)
    if (commitIntervalMs <= 0) flushCommits()
    else commitTimer ??= setTimeout(flushCommits, commitIntervalMs)
  }

  /**
   * Commits what is queued through the current client, one request at a time (two in flight for
   * one partition could land out of order). Outside the group nothing is sent: the offsets wait
   * for the (re)join, and the watchdog retries a commit that failed.
   */
  function flushCommits (): void {
    clearTimeout(commitTimer)
    commitTimer = undefined
    const current = member
    if (committing || toCommit.size === 0 || !current?.client.isActive()) return
    const batch = [...toCommit].filter(([lane]) => lanes.get(lane.name) === lane)
    toCommit.clear()
    if (batch.length === 0) return
    const offsets = batch.map(([, raw]) => ({ topic: raw.topic, partition: raw.partition, offset: raw.offset + 1n, leaderEpoch: raw.leaderEpoch }))
    committing = current.client.commit({ offsets })
      .then(() => {
        const now = Date.now()
        for (const [lane, raw] of batch) {
          lane.committed = raw.offset + 1n
          lane.workSince = lane.committed >= lane.next ? undefined : now
        }
      })
      .catch((err: unknown) => {
        logger.warn({ err, offsets: offsets.map(o => `${o.topic}:${o.partition}@${o.offset}`) }, 'offset commit failed; retrying')
        for (const [lane, raw] of batch) {
          const newer = toCommit.get(lane)
          if (!newer || newer.offset < raw.offset) toCommit.set(lane, raw)
        }
      })
      .finally(() => {
        committing = undefined
        if (toCommit.size === 0) return
        if (commitIntervalMs <= 0) flushCommits()
        else commitTimer ??= setTimeout(flushCommits, commitIntervalMs)
      })
  }

  async function handle (raw: RawMessage, lane: Lane, entry: { done: boolean }): Promise<void> {
    if (stopping.signal.aborted) return
    if (lanes.get(lane.name) !== lane) return
    if (member && !isAssigned(member.client, raw.topic, raw.partition)) {
      // Revoked: forget the lane, so when the partition comes back it starts from the committed offset.
      dropLane(lane)
      return
    }
    const consumed: ConsumedMessage = {
      topic: raw.topic, partition: raw.partition, offset: raw.offset, timestamp: raw.timestamp,
      key: raw.key ?? null, value: raw.value ?? null, headers: raw.headers
    }
    const end = metrics?.messageDuration.startTimer({ topic: raw.topic })
    const { outcome } = await processWithRetry(consumed, options.handler, {
      retry, dlq: options.dlq, logger, signal: stopping.signal, onRetry: error => { lane.retrying = message(error) }
    })
    lane.retrying = undefined
    end?.()
    metrics?.messages.inc({ topic: raw.topic, outcome })
    if (outcome === 'dead-lettered') metrics?.deadLetters.inc({ topic: raw.topic })
    if (outcome === 'aborted') return
    entry.done = true
    advance(lane)
  }

  function enqueue (raw: RawMessage): void {
    if (stopping.signal.aborted) return
    const lane = laneOf(raw)
    if (raw.offset < lane.next) return
    lane.next = raw.offset + 1n
    lane.workSince ??= Date.now()
    const entry = { raw, done: false }
    lane.pending.push(entry)
    if (++buffered >= maxBuffered) member?.stream?.pause()
    // Keyless records promise no order among themselves, so each is its own chain.
    const key = raw.key ? raw.key.toString('latin1') : `#${raw.offset}`
    const previous = lane.keys.get(key)
    // A message queues for a slot only once its key's previous one is done: waiting inside a slot
    // would let one busy key's backlog take every slot and stall the other keys of the partition.
    const run = () => lane.limit(() => handle(raw, lane, entry))
    const task = previous ? previous.then(run) : run()
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
        const stream = member?.stream
        if (--buffered < maxBuffered / 2 && !stopping.signal.aborted && stream?.isPaused()) stream.resume()
      })
    lane.keys.set(key, settled)
    running.add(settled)
  }

  /** Partitions with work fetched and no commit for longer than stallAfterMs, as /health words them. */
  function stalls (now: number): string[] {
    const found: string[] = []
    for (const lane of lanes.values()) {
      if (lane.workSince === undefined || now - lane.workSince <= stallAfterMs) continue
      found.push(`partition ${lane.name}: no commit for ${seconds(now - lane.workSince)} s${lane.retrying === undefined ? '' : `, retrying: ${lane.retrying}`}`)
    }
    return found
  }

  /** Replaces a member out of its group too long, retries failed commits, refreshes the stall gauges. */
  function watch (): void {
    if (stopping.signal.aborted) return
    const now = Date.now()
    if (!replacing && outOfGroupMs(now) > rejoinAfterMs) replace(`not in its group for ${seconds(outOfGroupMs(now))} s`)
    if (!committing && toCommit.size > 0 && !commitTimer) flushCommits()
    for (const lane of lanes.values()) {
      metrics?.consumerStalled.set({ topic: lane.topic, partition: lane.partition }, lane.workSince === undefined ? 0 : (now - lane.workSince) / 1000)
    }
  }

  /** Records parked on each source topic's dead-letter topic; one that does not exist holds none. */
  async function measureDeadLetters (): Promise<void> {
    const client = member?.client
    if (!metrics || !client?.isActive()) return
    for (const topic of topics) {
      const dlq = deadLetterTopic(topic)
      try {
        const metadata = await client.metadata({ topics: [dlq], autocreateTopics: false })
        if (!metadata.topics.has(dlq)) {
          metrics.deadLetterDepth.set({ topic }, 0)
          continue
        }
        const ends = (await client.listOffsets({ topics: [dlq] })).get(dlq) ?? []
        const starts = (await client.listOffsets({ topics: [dlq], timestamp: -2n })).get(dlq) ?? []
        metrics.deadLetterDepth.set({ topic }, ends.reduce((sum, end, i) => sum + Number(end - (starts[i] ?? 0n)), 0))
      } catch (err) {
        // A topic that does not exist answers UNKNOWN_TOPIC_OR_PARTITION: nothing parked there yet.
        if (/UNKNOWN_TOPIC|does not exist/i.test(message(err))) metrics.deadLetterDepth.set({ topic }, 0)
        else logger.debug({ err, topic: dlq }, 'cannot measure the dead-letter topic')
      }
    }
  }

  member = await join()
  const watchdog = setInterval(watch, 1000)
  watchdog.unref()
  const deadLetterTimer = metrics ? setInterval(() => { void measureDeadLetters() }, lagIntervalMs) : undefined
  deadLetterTimer?.unref()
  void measureDeadLetters()
  logger.info({ groupId: options.groupId, topics, assignments: member.client.assignments }, 'consumer started')

  let stopped: Promise<void> | undefined
  const runner: ConsumerRunner = {
    isActive: () => !stopping.signal.aborted && !replacing && member?.client.isActive() === true,
    health: () => {
      if (stopping.signal.aborted) return { healthy: false, reason: 'the consumer is stopped' }
      const now = Date.now()
      const reasons: string[] = []
      if (replacing) reasons.push(`rejoining its group with a new client (${replacing.reason})`)
      else {
        // A rebalance takes a moment; out of the group for longer than a session it is not one.
        const out = outOfGroupMs(now)
        if (out > sessionTimeoutMs) reasons.push(`not in its group for ${seconds(out)} s`)
      }
      if (fetchFailure && now - fetchFailure.at < FETCH_FAILURE_SHOWN_MS) reasons.push(`a fetch failed ${seconds(now - fetchFailure.at)} s ago: ${fetchFailure.reason}`)
      reasons.push(...stalls(now))
      return reasons.length === 0 ? { healthy: true } : { healthy: false, reason: reasons.join('; ') }
    },
    stop: () => {
      stopped ??= (async () => {
        stopping.abort()
        clearInterval(watchdog)
        clearInterval(deadLetterTimer)
        await replacing?.promise
        const current = member
        current?.client.stopLagMonitoring()
        current?.stream?.pause()
        // Queued messages see the stop and return at once; those running finish (or give up through their signal).
        await Promise.allSettled([...running])
        // A commit queued during a rebalance waits for the rejoin; one that cannot land in time is
        // only a redelivery for the next member, which the handler's idempotence absorbs.
        const deadline = Date.now() + (options.commitTimeoutMs ?? 10_000)
        while ((toCommit.size > 0 || committing) && Date.now() < deadline) {
          flushCommits()
          await Promise.race([committing ?? delay(100), delay(Math.max(0, deadline - Date.now()), undefined, { ref: false })])
        }
        await current?.stream?.close()
        await current?.client.close(true)
        logger.info({ groupId: options.groupId, topics }, 'consumer stopped')
      })()
      return stopped
    }
  }
  return runner
}
