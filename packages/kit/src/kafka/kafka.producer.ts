import { Producer, ProduceAcks, compatibilityPartitioner, stringSerializer } from '@platformatic/kafka'
import type { ProducerOptions as ClientOptions } from '@platformatic/kafka'
import { RippleError } from '../errors/ripple.error.ts'
import type { KafkaSasl, Payload } from './kafka.types.ts'

export interface OutgoingMessage {
  topic: string
  key?: Payload | null
  /** null sends a tombstone. */
  value: Payload | null
  headers?: Record<string, Payload>
  partition?: number
  /** Milliseconds since the epoch; the broker's append time when absent. */
  timestamp?: bigint
}

export interface KafkaProducer {
  send (messages: OutgoingMessage | OutgoingMessage[]): Promise<void>
  sendJson (topic: string, key: string | null, value: unknown, headers?: Record<string, Payload>): Promise<void>
  /**
   * Why the last send failed, when it failed in the last minute and no send succeeded since: what
   * /health reports (undefined: writes go through, or nothing was written lately to tell).
   */
  failure (): string | undefined
  close (): Promise<void>
}

export interface ProducerOptions {
  brokers: string[]
  /** The principal's login (kafkaSasl(config) in a service): the brokers refuse clients without one. */
  sasl?: KafkaSasl
  clientId: string
  /**
   * Collect sends for up to this many ms (or until maxBatchMessages / maxBatchBytes) into one
   * produce request, as Java's linger.ms: many small concurrent sends (an HTTP request or a
   * consumed message each) then cost the broker one request instead of hundreds. Each send
   * still resolves only once its own record is acknowledged. 0 or unset sends at once.
   */
  lingerMs?: number
  maxBatchMessages?: number
  /** Keep a batch under the broker's 1 MiB message.max.bytes. */
  maxBatchBytes?: number
  /**
   * How long a send may wait for its acknowledgement (Java's delivery.timeout.ms) before it fails
   * with KAFKA_UNAVAILABLE (canRetry): default a minute, past a leader election (~10 s) but not
   * past a cluster that lost its quorum or two of three replicas. The record may still be written
   * afterwards, as in Java, which is why consumers deduplicate.
   */
  deliveryTimeoutMs?: number
  /** Makes the library client (default: a new Producer); unit tests hand in a stand-in. */
  createClient?: (clientOptions: ClientOptions<Buffer, Buffer, string, Buffer>) => Producer<Buffer, Buffer, string, Buffer>
}

// The library retries a partition without a leader (an election after a broker's crash takes its
// session timeout, ~10 s) or without enough in-sync replicas, with delays doubling to 5 s, then
// gives up; its idempotent default is to retry forever. A caller's own bound is deliveryTimeoutMs.
const SEND_RETRIES = 12
const sendRetryDelay = (_client: unknown, _operation: string, attempt: number): number => Math.min(100 * 2 ** attempt, 5000)

// A failed write stays in /health this long unless a send succeeds: a service that writes only on
// request would otherwise look broken long after the cluster came back.
const FAILURE_SHOWN_MS = 60_000

const toBuffer = (payload: Payload): Buffer => typeof payload === 'string' ? Buffer.from(payload) : payload

/**
 * The one way Ripple code produces: acks=all and idempotence, so an acknowledged record is on
 * every in-sync replica and a retried send never writes it twice.
 */
export function createProducer (options: ProducerOptions): KafkaProducer {
  const newClient = options.createClient ?? (clientOptions => new Producer<Buffer, Buffer, string, Buffer>(clientOptions))
  const producer = newClient({
    clientId: options.clientId,
    bootstrapBrokers: options.brokers,
    ...(options.sasl ? { sasl: options.sasl } : {}),
    idempotent: true,
    acks: ProduceAcks.ALL,
    autocreateTopics: true,
    // Kafka's Java partitioning (murmur2 & 0x7fffffff): a key lands where Debezium and Connect put it.
    partitioner: compatibilityPartitioner,
    serializers: { headerKey: stringSerializer },
    retries: SEND_RETRIES,
    retryDelay: sendRetryDelay
  })
  let failure: { reason: string, at: number } | undefined

  async function sendNow (list: OutgoingMessage[]): Promise<void> {
    try {
      await sendRecords(list)
      failure = undefined
    } catch (error) {
      failure = { reason: error instanceof Error ? error.message : String(error), at: Date.now() }
      throw error
    }
  }

  async function sendRecords (list: OutgoingMessage[]): Promise<void> {
    await producer.send({
      messages: list.map(m => ({
        topic: m.topic,
        key: m.key == null ? undefined : toBuffer(m.key),
        value: m.value === null ? undefined : toBuffer(m.value),
        headers: m.headers ? new Map(Object.entries(m.headers).map(([k, v]) => [k, toBuffer(v)])) : undefined,
        partition: m.partition,
        timestamp: m.timestamp
      }))
    })
  }

  const send = accumulator(sendNow, {
    lingerMs: options.lingerMs ?? 0,
    maxMessages: options.maxBatchMessages ?? 500,
    maxBytes: options.maxBatchBytes ?? 900 * 1024,
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? 60_000,
    onTimeout: reason => { failure = { reason, at: Date.now() } }
  })

  return {
    send,
    sendJson: (topic, key, value, headers) => send({ topic, key, value: JSON.stringify(value), headers }),
    failure: () => failure !== undefined && Date.now() - failure.at < FAILURE_SHOWN_MS ? failure.reason : undefined,
    close: () => producer.close()
  }
}

const sizeOf = (m: OutgoingMessage): number =>
  (m.key == null ? 0 : m.key.length) + (m.value === null ? 0 : m.value.length) + 64

interface Pending { list: OutgoingMessage[], bytes: number, resolve: () => void, reject: (error: unknown) => void, deadline: NodeJS.Timeout }

interface AccumulatorOptions { lingerMs: number, maxMessages: number, maxBytes: number, deliveryTimeoutMs: number, onTimeout: (reason: string) => void }

/**
 * One produce request at a time, carrying everything queued since the last one (up to
 * maxMessages / maxBytes), as Java's producer with max.in.flight.requests.per.connection=1.
 * @platformatic/kafka numbers an idempotent producer's batches when a send starts and, when one
 * fails, starts over with a new producer id: concurrent sends across a leader election then
 * reach the new leader out of order, and are written twice or out of key order (the three-node
 * tests under test/cluster saw both). Every caller
 * learns the outcome of the request its messages went in; with `lingerMs` a send waits that long
 * for company before the first request of a quiet moment (Java's linger.ms).
 */
export function accumulator (sendNow: (list: OutgoingMessage[]) => Promise<void>, options: AccumulatorOptions) {
  const { lingerMs, maxMessages, maxBytes, deliveryTimeoutMs } = options
  const queue: Pending[] = []
  let queuedMessages = 0
  let queuedBytes = 0
  let busy = false
  let timer: NodeJS.Timeout | undefined

  function take (): Pending[] {
    const taken: Pending[] = []
    let messages = 0
    let bytes = 0
    while (queue.length > 0) {
      const next = queue[0]!
      if (taken.length > 0 && (messages + next.list.length > maxMessages || bytes + next.bytes > maxBytes)) break
      taken.push(queue.shift()!)
      messages += next.list.length
      bytes += next.bytes
    }
    queuedMessages -= messages
    queuedBytes -= bytes
    return taken
  }

  async function pump (): Promise<void> {
    clearTimeout(timer)
    timer = undefined
    if (busy) return
    busy = true
    try {
      while (queue.length > 0) {
        const batch = take()
        try {
          await sendNow(batch.flatMap(p => p.list))
          for (const p of batch) p.resolve()
        } catch (error) {
          for (const p of batch) p.reject(error)
        } finally {
          for (const p of batch) clearTimeout(p.deadline)
        }
      }
    } finally {
      busy = false
    }
  }

  return (messages: OutgoingMessage | OutgoingMessage[]): Promise<void> => new Promise((resolve, reject) => {
    const list = Array.isArray(messages) ? messages : [messages]
    const bytes = list.reduce((sum, m) => sum + sizeOf(m), 0)
    // A promise settles once: the request's outcome, if it comes later, changes nothing for this caller.
    const deadline = setTimeout(() => {
      // Still waiting behind a request that is out: it leaves the queue, so "failed" means not written.
      // Once handed to the library it may still be written, as with Java's delivery.timeout.ms.
      const queued = queue.indexOf(pending)
      if (queued >= 0) {
        queue.splice(queued, 1)
        queuedMessages -= list.length
        queuedBytes -= bytes
      }
      const reason = `no acknowledgement from Kafka within ${deliveryTimeoutMs / 1000} s (partitions without a leader, or fewer in-sync replicas than min.insync.replicas)${queued >= 0 ? '; not sent' : ''}`
      options.onTimeout(reason)
      reject(new RippleError('KAFKA_UNAVAILABLE', reason, { canRetry: true }))
    }, deliveryTimeoutMs)
    // The request itself keeps the process alive; this timer must not keep a closing one waiting.
    deadline.unref()
    const pending: Pending = { list, bytes, resolve, reject, deadline }
    queue.push(pending)
    queuedMessages += list.length
    queuedBytes += bytes
    // While a request is out, what arrives goes in the next one.
    if (busy) return
    if (lingerMs <= 0 || queuedMessages >= maxMessages || queuedBytes >= maxBytes) void pump()
    else timer ??= setTimeout(() => { void pump() }, lingerMs)
  })
}
