import mysql from 'mysql2/promise'
import type { RowDataPacket } from 'mysql2/promise'
import pg from 'pg'
import type { StackConfig } from '@ripple/stack'
import { clickhouseRows as clickhouseSelect, clickhouseTarget, endpoints, StackError } from '@ripple/stack'

// The trace's reads of the stores, through the console's own read-only accounts (SELECT on the
// columns ../store-reads.ts lists, nothing else): one SELECT each, always with parameters, each on
// a connection of its own that is closed at once.

const CONNECT_TIMEOUT_MS = 2000

/** MariaDB keeps DATETIME(6) without a zone and the services write UTC: read as text to keep the microseconds. */
export const isoDatetime = (column: string): string => `DATE_FORMAT(${column}, '%Y-%m-%dT%H:%i:%s.%fZ')`

/** Microseconds since the epoch of `2026-01-02T03:04:05.123456Z`, as Debezium's MicroTimestamp carries a DATETIME(6). */
export function microsOf (iso: string): number | undefined {
  const m = /^(.{19})(?:\.(\d{1,9}))?Z$/.exec(iso)
  if (!m) return undefined
  const seconds = Date.parse(`${m[1]}Z`)
  return Number.isNaN(seconds) ? undefined : seconds * 1000 + Number((m[2] ?? '').padEnd(6, '0').slice(0, 6))
}

/** Milliseconds of an RFC 3339 time of any precision (Date.parse takes at most milliseconds). */
export function msOf (rfc3339: string): number | undefined {
  const micros = microsOf(rfc3339.replace(/\+00:00$/, 'Z'))
  if (micros !== undefined) return Math.floor(micros / 1000)
  const ms = Date.parse(rfc3339)
  return Number.isNaN(ms) ? undefined : ms
}

export async function mariadbRows<T extends RowDataPacket> (config: StackConfig, sql: string, params: unknown[]): Promise<T[]> {
  const conn = await mysql.createConnection({ ...endpoints(config).consoleMariadb, timezone: 'Z', connectTimeout: CONNECT_TIMEOUT_MS })
  try {
    const [rows] = await conn.query<T[]>(sql, params)
    return rows
  } finally {
    await conn.end()
  }
}

/** One read on a PostgreSQL database; each query runs in order on the one connection. */
export async function postgresRows (config: StackConfig, database: string, queries: { sql: string, params: unknown[] }[]): Promise<Record<string, unknown>[][]> {
  const client = new pg.Client({ ...endpoints(config).consolePostgres, database, connectionTimeoutMillis: CONNECT_TIMEOUT_MS })
  await client.connect()
  try {
    const results: Record<string, unknown>[][] = []
    for (const q of queries) results.push((await client.query<Record<string, unknown>>(q.sql, q.params)).rows)
    return results
  } finally {
    await client.end()
  }
}

export { serviceDatabase } from '@ripple/stack'

export interface CapturedMail { id: string, to: string[], subject: string, date: string, messageId?: string }

/** What the SMTP capture caught for one address. */
export async function capturedMails (config: StackConfig, to: string): Promise<CapturedMail[]> {
  const res = await fetch(`${endpoints(config).mailApiUrl}/mails?to=${encodeURIComponent(to)}`, { signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS) })
  if (!res.ok) throw new Error(`the mail capture answered HTTP ${res.status}`)
  return await res.json() as CapturedMail[]
}

/** Rows of a ClickHouse query; undefined when ClickHouse does not answer (it is optional to the trace). */
export async function clickhouseRows<T> (config: StackConfig, sql: string, params: Record<string, string>): Promise<T[] | undefined> {
  try {
    return await clickhouseSelect<T>(clickhouseTarget(config, 'reader'), sql, params, CONNECT_TIMEOUT_MS)
  } catch (err) {
    // Refused: a real error. Not answering: ClickHouse is optional to the trace.
    if (err instanceof StackError) throw err
    return undefined
  }
}
