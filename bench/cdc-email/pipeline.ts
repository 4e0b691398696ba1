import { setTimeout as delay } from 'node:timers/promises'
import { Consumer } from '@platformatic/kafka'
import type { Pool } from 'undici'
import type { CapturedMail } from '@ripple/mail-capture'
import type { KafkaSasl } from '@ripple/operations'

// The bench's view of the running pipeline: user-service's REST API, the SMTP capture's API,
// the change events on Kafka and notification-service's /metrics.

/** Wall-clock milliseconds with sub-millisecond precision, comparable with other processes' Date.now(). */
export const wallNow = () => performance.timeOrigin + performance.now()

/** Runs fn over items with at most `limit` calls in flight. */
export async function forEachLimit<T> (items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

export interface JsonResponse<T> { status: number, body: T | undefined, text: string }

/** One request; the body is always read so the connection is reusable, and parsed when it is JSON. `token`: sent as a Bearer access token. */
export async function requestJson<T> (pool: Pool, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, token?: string): Promise<JsonResponse<T>> {
  const res = await pool.request({
    method,
    path,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` })
    },
    body: body === undefined ? null : JSON.stringify(body),
    headersTimeout: 60_000,
    bodyTimeout: 60_000
  })
  const text = await res.body.text()
  const json = String(res.headers['content-type'] ?? '').includes('json') && text !== '' ? JSON.parse(text) as T : undefined
  return { status: res.statusCode, body: json, text }
}

export interface PresentedUser { id: string, email: string, address: string | null, lastUpdated: string }

/** Signs in at user-service (POST /auth/token) and answers the access token. */
export async function signIn (api: Pool, username: string, password: string): Promise<string> {
  const res = await requestJson<{ accessToken: string }>(api, 'POST', '/auth/token', { username, password })
  if (res.status !== 200 || !res.body) throw new Error(`POST /auth/token answered ${res.status}: ${res.text.slice(0, 300)}`)
  return res.body.accessToken
}

// ---- SMTP capture ---------------------------------------------------------------------------

export const mailsTo = async (mailApi: Pool, address: string): Promise<CapturedMail[]> => {
  const res = await requestJson<CapturedMail[]>(mailApi, 'GET', `/mails?to=${encodeURIComponent(address)}`)
  if (res.status !== 200 || !res.body) throw new Error(`mail capture answered ${res.status}: ${res.text.slice(0, 200)}`)
  return res.body
}

/** The capture's count of every mail it holds: one cheap call to see whether mail is still coming. */
export const capturedCount = async (mailApi: Pool): Promise<number> => {
  const res = await requestJson<{ mails: number }>(mailApi, 'GET', '/health')
  return res.body?.mails ?? 0
}

export const WELCOME_SUBJECT = 'Welcome to Ripple'
export const DATA_CHANGED_SUBJECT = 'Your Ripple account data changed'

/** The new address a data-changed mail names ("  - Address: old → new"), if it names one. */
export function newAddressIn (mail: CapturedMail): string | undefined {
  if (mail.subject !== DATA_CHANGED_SUBJECT) return undefined
  return /^\s*- Address: .* → (.*)$/m.exec(mail.text)?.[1]?.trim()
}

// ---- notification-service /metrics --------------------------------------------------------

export interface ConsumerMetrics {
  /** Messages handled and the seconds spent handling them (the handler, retries included). */
  count: number
  sumSeconds: number
  /** Cumulative counts by upper bound in seconds. */
  buckets: Map<number, number>
  /** Sum of the per-partition lag the service last measured (it refreshes every 5 s). */
  lag: number
}

const sample = /^(\w+)\{([^}]*)\} (\S+)$/

export async function consumerMetrics (url: string, topic: string): Promise<ConsumerMetrics> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) })
  const text = await res.text()
  const m: ConsumerMetrics = { count: 0, sumSeconds: 0, buckets: new Map(), lag: 0 }
  for (const line of text.split('\n')) {
    const match = sample.exec(line)
    if (!match || !match[2]!.includes(`topic="${topic}"`)) continue
    const [, name, labels, value] = match
    const v = Number(value)
    if (name === 'ripple_message_duration_seconds_count') m.count += v
    else if (name === 'ripple_message_duration_seconds_sum') m.sumSeconds += v
    else if (name === 'ripple_message_duration_seconds_bucket') {
      const le = /le="([^"]+)"/.exec(labels!)?.[1]
      if (le) m.buckets.set(le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), v)
    } else if (name === 'ripple_consumer_lag') m.lag += v
  }
  return m
}

/** What the service did between two scrapes: messages, mean handling time, and the bucket bound below which a quantile lies. */
export function consumerDelta (before: ConsumerMetrics, after: ConsumerMetrics) {
  // Counters restart at 0 with the service: then the window's figures are unknown.
  if (after.count < before.count) return { messages: 0, meanMs: 0, p50UpToMs: 0, p99UpToMs: 0, restarted: true }
  const count = after.count - before.count
  const bounds = [...after.buckets.keys()].sort((a, b) => a - b)
  const upTo = (q: number) => {
    const target = q * count
    for (const le of bounds) if ((after.buckets.get(le) ?? 0) - (before.buckets.get(le) ?? 0) >= target) return le
    return Number.POSITIVE_INFINITY
  }
  return {
    messages: count,
    meanMs: count > 0 ? (after.sumSeconds - before.sumSeconds) / count * 1000 : 0,
    p50UpToMs: upTo(0.5) * 1000,
    p99UpToMs: upTo(0.99) * 1000,
    restarted: false
  }
}

// ---- change events on Kafka ---------------------------------------------------------------

export interface ChangeEventTimes {
  /** When Debezium made the event from the binlog (the envelope's ts_ms). */
  debeziumMs: number
  /** The Kafka record's timestamp: when Connect's producer sent it. */
  kafkaMs: number
  /** When this process's consumer got it: what a consumer like notification-service's sees of Kafka's delivery. */
  receivedMs: number
  partition: number
}

/**
 * Reads the topic live from the offsets it has when started, with the client and fetch wait
 * notification-service's consumer uses, and keeps the times of the update events whose new
 * address `want` recognises. Its group never commits; the caller deletes it.
 */
export function tapChangeEvents (brokers: string[], sasl: KafkaSasl, groupId: string, topic: string, want: (address: string) => boolean) {
  const consumer = new Consumer({ clientId: groupId, bootstrapBrokers: brokers, sasl, groupId, autocommit: false, maxWaitTime: 500 })
  const events = new Map<string, ChangeEventTimes>()
  let stream: Awaited<ReturnType<typeof consumer.consume>> | undefined
  return {
    events,
    async start (): Promise<void> {
      const from = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? []
      stream = await consumer.consume({
        topics: [topic],
        mode: 'manual',
        offsets: from.map((offset, partition) => ({ topic, partition, offset })),
        autocommit: false,
        maxWaitTime: 500
      })
      stream.on('data', message => {
        const receivedMs = wallNow()
        if (!message.value || message.value.length === 0) return
        const value = JSON.parse(message.value.toString()) as { op?: string, ts_ms?: number, after?: { address?: string } }
        const address = value.after?.address
        if (value.op === 'u' && address && want(address) && typeof value.ts_ms === 'number') {
          events.set(address, { debeziumMs: value.ts_ms, kafkaMs: Number(message.timestamp), receivedMs, partition: message.partition })
        }
      })
    },
    async stop (): Promise<void> {
      try {
        await stream?.close()
      } finally {
        await consumer.close(true)
      }
    }
  }
}

/** Polls until check() holds or the deadline passes; answers whether it held. */
export async function pollUntil (check: () => Promise<boolean>, deadline: number, everyMs: number): Promise<boolean> {
  while (true) {
    if (await check()) return true
    if (Date.now() >= deadline) return false
    await delay(everyMs)
  }
}
