import { Producer, ProduceAcks, compatibilityPartitioner, stringSerializer } from '@platformatic/kafka'
import type { Payload } from './kafka.types.ts'

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
}

// A send retries a partition without a leader (an election after a broker's crash takes its
// session timeout, ~10 s) or without enough in-sync replicas, with delays doubling to 5 s: about
// 40 s plus the requests' own timeouts, then it fails (Java's delivery.timeout.ms, 120 s, is the
// same bound). The library's idempotent default is to retry forever, which would leave an HTTP
// request or a handler waiting in silence while the cluster cannot take writes.
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
  const producer = new Producer<Buffer, Buffer, string, Buffer>({
    clientId: options.clientId,
    bootstrapBrokers: options.brokers,
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

  const lingerMs = options.lingerMs ?? 0
  const send = lingerMs > 0
    ? lingering(sendNow, lingerMs, options.maxBatchMessages ?? 500, options.maxBatchBytes ?? 900 * 1024)
    : (messages: OutgoingMessage | OutgoingMessage[]) => sendNow(Array.isArray(messages) ? messages : [messages])

  return {
    send,
    sendJson: (topic, key, value, headers) => send({ topic, key, value: JSON.stringify(value), headers }),
    failure: () => failure !== undefined && Date.now() - failure.at < FAILURE_SHOWN_MS ? failure.reason : undefined,
    close: () => producer.close()
  }
}

const sizeOf = (m: OutgoingMessage): number =>
  (m.key == null ? 0 : m.key.length) + (m.value === null ? 0 : m.value.length) + 64

/**
 * Batches sends that arrive within `lingerMs` of the first into one call of `sendNow`; every
 * caller of the batch learns its outcome. Messages keep their order: batches go out in the
 * order they filled, and the idempotent producer keeps that order per partition.
 */
function lingering (sendNow: (list: OutgoingMessage[]) => Promise<void>, lingerMs: number, maxMessages: number, maxBytes: number) {
  let batch: OutgoingMessage[] = []
  let waiters: { resolve: () => void, reject: (error: unknown) => void }[] = []
  let bytes = 0
  let timer: NodeJS.Timeout | undefined

  function flush (): void {
    clearTimeout(timer)
    timer = undefined
    if (batch.length === 0) return
    const list = batch
    const settle = waiters
    batch = []
    waiters = []
    bytes = 0
    sendNow(list).then(() => { for (const w of settle) w.resolve() }, (error: unknown) => { for (const w of settle) w.reject(error) })
  }

  return (messages: OutgoingMessage | OutgoingMessage[]): Promise<void> => new Promise((resolve, reject) => {
    const list = Array.isArray(messages) ? messages : [messages]
    const size = list.reduce((sum, m) => sum + sizeOf(m), 0)
    if (batch.length > 0 && (batch.length + list.length > maxMessages || bytes + size > maxBytes)) flush()
    batch.push(...list)
    bytes += size
    waiters.push({ resolve, reject })
    if (batch.length >= maxMessages || bytes >= maxBytes) flush()
    else timer ??= setTimeout(flush, lingerMs)
  })
}
