import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { Admin, Consumer, stringDeserializers } from '@platformatic/kafka'
import pRetry from 'p-retry'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { execa } from 'execa'
import { clickhouseRows as stackClickhouseRows, endpoints, kafkaSasl, loadStackConfig, writeJavaClientProperties } from '@ripple/stack'

/**
 * What every test against the running stack shares: its addresses (from the same config as
 * `./ripple up`, so moved ports follow), unique names, bounded polling, and readers for topics,
 * PostgreSQL scratch databases and the SMTP capture. Tests use their own topics, groups and
 * databases, and never clear what others may read.
 */
// Tests and benchmarks log in to Kafka as their own principal, ripple-test (broad, not a super user):
// every client they build passes `sasl: stack.kafkaSasl`.
const config = loadStackConfig({ ...process.env, RIPPLE_KAFKA_PRINCIPAL: 'ripple-test' })
export const stack = endpoints(config)

/** Another principal's login (a service's, the console's): for tests of what its ACLs refuse. */
export const kafkaLoginOf = (principal: string) => kafkaSasl(config, principal)

/** A 0600 client properties file for Kafka's own Java tools, logged in as `principal` (default the tests'). */
export const javaClientConfig = (principal = 'ripple-test') => writeJavaClientProperties(config, principal)

// Faults go through the CLI in a child process: pm2's client is a per-process singleton that
// does not survive being connected, disconnected and connected again inside one test process.
const ripple = (args: string[]) => execa(process.execPath, ['--disable-warning=ExperimentalWarning', join(config.repoRoot, 'stack', 'src', 'cli.ts'), ...args], { all: true })

/**
 * The meta-run's setting, never CI's: RIPPLE_TEST_FAULT_DELAY_MS holds every fault back that long,
 * so it lands after the burst it was meant to hit, and each fault test must then fail on its
 * in-flight assertion (which shows that assertion can fail). Every fault goes through here.
 */
export async function beforeFault (): Promise<void> {
  const delayMs = Number(process.env.RIPPLE_TEST_FAULT_DELAY_MS ?? 0)
  if (delayMs > 0) await new Promise(resolve => setTimeout(resolve, delayMs))
}

export interface ComponentRow { name: string, pid: number | null, healthy: boolean, reason?: string, restarts?: number, lastExit?: string }

/** `./ripple status --json`: each component's pid, health and restarts. */
export async function componentStatus (): Promise<ComponentRow[]> {
  return JSON.parse(String((await ripple(['status', '--json'])).stdout)) as ComponentRow[]
}

/**
 * A crash: SIGKILL straight to a component's process, which stays in the supervisor's hands (no
 * `./ripple stop`), so it is started again with no command. Answers the pid it killed.
 */
export async function crashComponent (name: string): Promise<number> {
  const pid = (await componentStatus()).find(r => r.name === name)?.pid
  if (!pid) throw new Error(`${name} is not running`)
  await beforeFault()
  process.kill(pid, 'SIGKILL')
  return pid
}

/** Stops (or, with kill, SIGKILLs) components or services of the running stack, as a fault. */
export async function stopComponents (names: string[], options: { kill?: boolean } = {}): Promise<void> {
  await beforeFault()
  await ripple(['stop', ...names, ...(options.kill ? ['--kill'] : [])])
}

/** Starts whatever of the stack is not running and waits until all is healthy again. */
export async function restoreStack (): Promise<void> {
  await ripple(['up'])
}

export const unique = (prefix: string): string => `${prefix}${randomBytes(5).toString('hex')}`

/** Polls until the check passes, failing with its last error once the deadline is reached. */
export function eventually<T> (check: () => T | Promise<T>, timeoutMs = 60_000, pollMs = 100): Promise<T> {
  return pRetry(check, { retries: Number.POSITIVE_INFINITY, factor: 1, minTimeout: pollMs, maxRetryTime: timeoutMs })
}

export interface ReadRecord { key: string | null, value: string | null, headers: Record<string, string>, partition: number, offset: bigint, timestamp: bigint }

/** Each partition's end offset: what readTopic can start from to see only what comes after (on a shared topic). */
export async function topicEndOffsets (topic: string): Promise<bigint[]> {
  const consumer = new Consumer({ clientId: 'test-offsets', bootstrapBrokers: stack.kafkaBrokers, sasl: stack.kafkaSasl, groupId: unique('test-offsets-'), autocreateTopics: true })
  try {
    return (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? []
  } finally {
    await consumer.close()
  }
}

/** Everything on a topic from the beginning (or from `from`, offsets by partition), read by a throw-away group until `until` holds. */
export async function readTopic (topic: string, until: (records: ReadRecord[]) => boolean, timeoutMs = 60_000, from?: bigint[]): Promise<ReadRecord[]> {
  const consumer = new Consumer<string, string, string, string>({ clientId: 'test-reader', bootstrapBrokers: stack.kafkaBrokers, sasl: stack.kafkaSasl, groupId: unique('test-reader-'), autocreateTopics: true, maxWaitTime: 200, deserializers: stringDeserializers })
  const stream = from
    ? await consumer.consume({ topics: [topic], mode: 'manual', offsets: from.map((offset, partition) => ({ topic, partition, offset })), autocommit: false })
    : await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false })
  const records: ReadRecord[] = []
  stream.on('data', m => records.push({ key: m.key ?? null, value: m.value ?? null, headers: Object.fromEntries(m.headers), partition: m.partition, offset: m.offset, timestamp: m.timestamp }))
  try {
    return await eventually(() => {
      if (!until(records)) throw new Error(`${topic}: condition not met with ${records.length} records`)
      return [...records]
    }, timeoutMs)
  } finally {
    await stream.close()
    await consumer.close(true)
  }
}

/** Whether the group has committed up to the end of every partition of the topic: all of it was handled. */
export async function groupCaughtUp (groupId: string, topic: string): Promise<boolean> {
  const consumer = new Consumer({ clientId: 'test-lag', bootstrapBrokers: stack.kafkaBrokers, sasl: stack.kafkaSasl, groupId })
  try {
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? []
    const committed = (await consumer.listCommittedOffsets({ topics: [{ topic, partitions: ends.map((_, i) => i) }] })).get(topic) ?? []
    return ends.every((end, i) => end === 0n || committed[i] === end)
  } finally {
    await consumer.close()
  }
}

/** How many records the topic holds (all partitions, nothing deleted yet): exact, unlike a read that may stop early. */
export async function countRecords (topic: string): Promise<number> {
  const consumer = new Consumer({ clientId: 'test-count', bootstrapBrokers: stack.kafkaBrokers, sasl: stack.kafkaSasl, groupId: unique('test-count-') })
  try {
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? []
    const starts = (await consumer.listOffsets({ topics: [topic], timestamp: -2n })).get(topic) ?? []
    return ends.reduce((sum, end, i) => sum + Number(end - (starts[i] ?? 0n)), 0)
  } finally {
    await consumer.close()
  }
}

export async function deleteTopics (topics: string[]): Promise<void> {
  const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: stack.kafkaBrokers, sasl: stack.kafkaSasl })
  try {
    const existing = new Set(await admin.listTopics())
    const present = topics.filter(t => existing.has(t))
    if (present.length > 0) await admin.deleteTopics({ topics: present })
  } finally {
    await admin.close()
  }
}

async function onPostgres (sql: string): Promise<void> {
  const client = new pg.Client({ ...stack.postgres, database: 'postgres' })
  await client.connect()
  try { await client.query(sql) } finally { await client.end() }
}

/**
 * Drops a scratch database. A pool just ended has sent its Terminate, but its backends may not have
 * gone yet: FORCE would kill them and the closing clients would see "terminating connection due to
 * administrator command" after their test ended. So the drop waits (a few seconds at most) for them
 * to go, and forces only what is left.
 */
export async function dropPostgresDatabase (name: string): Promise<void> {
  const client = new pg.Client({ ...stack.postgres, database: 'postgres' })
  await client.connect()
  try {
    for (let waited = 0; waited < 5000; waited += 100) {
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [name])
      if (Number(rows[0]?.n) === 0) break
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)
  } finally {
    await client.end()
  }
}

export async function dropMariaDbDatabase (name: string): Promise<void> {
  const conn = await mysql.createConnection(stack.mariadb)
  try { await conn.query(`DROP DATABASE IF EXISTS \`${name.replaceAll('`', '')}\``) } finally { await conn.end() }
}

/** A fresh PostgreSQL database, dropped by the returned cleanup. */
export async function scratchPostgresDatabase (prefix = 'test_'): Promise<{ name: string, drop: () => Promise<void> }> {
  const name = unique(prefix)
  await onPostgres(`CREATE DATABASE ${pg.escapeIdentifier(name)}`)
  return { name, drop: () => dropPostgresDatabase(name) }
}

export interface CapturedMail { id: string, from: string, to: string[], subject: string, text: string, date: string, headers: Record<string, string> }

/** What the SMTP capture caught, optionally only for one address. */
export async function capturedMails (to?: string): Promise<CapturedMail[]> {
  const res = await fetch(`${stack.mailApiUrl}/mails${to ? `?to=${encodeURIComponent(to)}` : ''}`)
  if (!res.ok) throw new Error(`mail capture answered ${res.status}`)
  return await res.json() as CapturedMail[]
}

/** Polls the capture until `address` has at least `count` mails, and returns them all. */
export function waitForMails (address: string, count: number, timeoutMs = 60_000): Promise<CapturedMail[]> {
  return eventually(async () => {
    const mails = await capturedMails(address)
    if (mails.length < count) throw new Error(`${address} has ${mails.length} of ${count} mails`)
    return mails
  }, timeoutMs)
}

/** Rows of a ClickHouse SELECT, values passed as external data (see the stack's clickhouseRows). */
export function clickhouseRows<T = Record<string, unknown>> (sql: string, params: Record<string, string> = {}): Promise<T[]> {
  return stackClickhouseRows<T>(stack.clickhouse, sql, params)
}
/**
 * A throwaway Debezium JDBC sink's config into PostgreSQL `jobs` as the stack's `jdbc_sink` role
 * (its password through Connect's file provider), for tests of connectors' states and actions.
 */
export function throwawayJdbcSink (topic: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
    'tasks.max': '1',
    topics: topic,
    'connection.url': `jdbc:postgresql://${config.host}:${config.ports.postgres}/jobs`,
    'connection.username': 'jdbc_sink',
    'connection.password': `\${file:${join(config.paths.conf, 'connect-secrets.properties')}:postgres.jdbc_sink.password}`,
    ...overrides
  }
}

export * from './service.testing.ts'
export * from './console.testing.ts'
