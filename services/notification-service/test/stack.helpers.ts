import { createHash, randomBytes } from 'node:crypto'
import { Consumer, stringDeserializers } from '@platformatic/kafka'
import { loadConfig } from '@ripple/kit'
import pRetry from 'p-retry'
import pg from 'pg'
import type { createNotificationService } from '../src/app.ts'
import { configSchema } from '../src/config.ts'

// The stack `./ripple up` runs; every test brings its own topic, group, database and mail addresses.
export const brokers = [process.env.KAFKA_BROKERS ?? '127.0.0.1:9092']
const mailApi = process.env.MAIL_CAPTURE_URL ?? 'http://127.0.0.1:8025'

export const unique = (prefix: string): string => `${prefix}${randomBytes(5).toString('hex')}`

/** Polls until the check passes, failing with its last error once the deadline is reached. */
export function eventually<T> (check: () => T | Promise<T>, timeoutMs = 60_000, pollMs = 100): Promise<T> {
  return pRetry(check, { retries: Number.POSITIVE_INFINITY, factor: 1, minTimeout: pollMs, maxRetryTime: timeoutMs })
}

export interface CapturedMail { id: string, from: string, to: string[], subject: string, text: string, date: string, headers: Record<string, string> }

/** Mails the capture caught for addresses ending in `domain` (tests never clear the shared capture). */
export async function mailsTo (domain: string): Promise<CapturedMail[]> {
  const response = await fetch(`${mailApi}/mails`)
  if (!response.ok) throw new Error(`mail capture answered ${response.status}`)
  const mails = await response.json() as CapturedMail[]
  return mails.filter(m => m.to.some(to => to.endsWith(`@${domain}`)))
}

export function serviceConfig (overrides: { TOPIC: string, GROUP_ID: string, POSTGRES_DATABASE: string, [variable: string]: string }) {
  return loadConfig(configSchema, {
    ...process.env,
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SMTP_RETRY_MIN_MS: '50',
    SMTP_RETRY_MAX_MS: '500',
    ...overrides
  })
}

export type NotificationService = ReturnType<typeof createNotificationService>

export interface ReadRecord { key: string | null, value: string | null, headers: Record<string, string> }

/** Everything on a topic from the beginning, read by a throw-away group. */
export async function readTopic (topic: string, until: (records: ReadRecord[]) => boolean): Promise<ReadRecord[]> {
  const consumer = new Consumer<string, string, string, string>({ clientId: 'test-reader', bootstrapBrokers: brokers, groupId: unique('test-reader-'), autocreateTopics: true, maxWaitTime: 200, deserializers: stringDeserializers })
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false })
  const records: ReadRecord[] = []
  stream.on('data', m => records.push({ key: m.key ?? null, value: m.value ?? null, headers: Object.fromEntries(m.headers) }))
  try {
    return await eventually(() => {
      if (!until(records)) throw new Error(`${topic}: condition not met with ${records.length} records`)
      return [...records]
    })
  } finally {
    await stream.close()
    await consumer.close(true)
  }
}

/** Whether the group has committed every record on the topic: all of them were handled. */
export async function groupCaughtUp (groupId: string, topic: string): Promise<boolean> {
  const consumer = new Consumer({ clientId: 'test-lag', bootstrapBrokers: brokers, groupId })
  try {
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? []
    const committed = (await consumer.listCommittedOffsets({ topics: [{ topic, partitions: ends.map((_, i) => i) }] })).get(topic) ?? []
    return ends.every((end, i) => end === 0n || committed[i] === end)
  } finally {
    await consumer.close()
  }
}

export async function dropDatabase (name: string): Promise<void> {
  const client = new pg.Client({
    host: process.env.POSTGRES_HOST ?? '127.0.0.1',
    port: Number(process.env.POSTGRES_PORT ?? 5433),
    user: process.env.POSTGRES_USER ?? 'postgres',
    password: process.env.POSTGRES_PASSWORD ?? 'ripple',
    database: 'postgres'
  })
  await client.connect()
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)
  } finally {
    await client.end()
  }
}

/** Debezium-shaped events for userdata.users, as the MariaDB connector with JsonConverter writes them. */
export function userEvents (domain: string) {
  let pos = 4
  // A stable BINARY(16) per user, hex-encoded as with binary.handling.mode=hex.
  const idOf = (user: number) => createHash('md5').update(`${domain}:${user}`).digest('hex')
  const row = (user: number, version: number, email = `user${user}@${domain}`) => ({
    id: idOf(user),
    username: `user${user}`,
    email,
    fullName: `User ${user} v${version}`,
    dateOfBirth: 7305 + user,
    address: `Street ${user}`,
    createdAt: 19_900,
    lastUpdated: 1_718_000_000_000_000 + version,
    status: 'Confirmed'
  })
  const envelope = (op: 'c' | 'u' | 'd', before: unknown, after: unknown) => ({
    before,
    after,
    source: { version: '3.5.0.Final', connector: 'mariadb', name: 'cdc.table', ts_ms: Date.now(), snapshot: 'false', db: 'userdata', table: 'users', server_id: 1, file: 'mariadb-bin.000007', pos: (pos += 311), row: 0 },
    op,
    ts_ms: Date.now()
  })
  return {
    row,
    key: (user: number) => JSON.stringify({ id: idOf(user) }),
    created: (user: number) => JSON.stringify(envelope('c', null, row(user, 0))),
    updated: (user: number, version: number) => JSON.stringify(envelope('u', row(user, version - 1), row(user, version))),
    deleted: (user: number, version: number) => JSON.stringify(envelope('d', row(user, version), null)),
    withSchema: (value: string) => JSON.stringify({ schema: { type: 'struct', name: 'cdc.table.userdata.users.Envelope', fields: [] }, payload: JSON.parse(value) })
  }
}
