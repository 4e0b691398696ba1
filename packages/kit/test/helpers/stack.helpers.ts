import { randomBytes } from 'node:crypto'
import { Consumer, stringDeserializers } from '@platformatic/kafka'
import pRetry from 'p-retry'
import pg from 'pg'

// The stack `./ripple up` runs; tests use their own topics, groups and databases on it.
export const brokers = [process.env.KAFKA_BROKERS ?? '127.0.0.1:9092']
export const postgres = {
  host: process.env.POSTGRES_HOST ?? '127.0.0.1',
  port: Number(process.env.POSTGRES_PORT ?? 5433),
  user: process.env.POSTGRES_USER ?? 'postgres',
  password: process.env.POSTGRES_PASSWORD ?? 'ripple'
}

export const unique = (prefix: string): string => `${prefix}${randomBytes(5).toString('hex')}`

/** Polls until the check passes, failing with its last error once the deadline is reached. */
export function eventually<T> (check: () => T | Promise<T>, timeoutMs = 30_000): Promise<T> {
  return pRetry(check, { retries: Number.POSITIVE_INFINITY, factor: 1, minTimeout: 100, maxRetryTime: timeoutMs })
}

export interface ReadRecord { key: string | null, value: string | null, headers: Record<string, string>, partition: number, offset: bigint }

/** Everything on a topic from the beginning, read by a throw-away group. */
export async function readTopic (topic: string, until: (records: ReadRecord[]) => boolean, timeoutMs = 30_000): Promise<ReadRecord[]> {
  const consumer = new Consumer<string, string, string, string>({ clientId: 'test-reader', bootstrapBrokers: brokers, groupId: unique('test-reader-'), autocreateTopics: true, maxWaitTime: 200, deserializers: stringDeserializers })
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false })
  const records: ReadRecord[] = []
  stream.on('data', m => records.push({ key: m.key ?? null, value: m.value ?? null, headers: Object.fromEntries(m.headers), partition: m.partition, offset: m.offset }))
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

/** A fresh PostgreSQL database, dropped by the returned cleanup. */
export async function scratchDatabase (prefix = 'test_'): Promise<{ name: string, drop: () => Promise<void> }> {
  const name = unique(prefix)
  const admin = new pg.Client({ ...postgres, database: 'postgres' })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  return {
    name,
    drop: async () => {
      const client = new pg.Client({ ...postgres, database: 'postgres' })
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
    }
  }
}
