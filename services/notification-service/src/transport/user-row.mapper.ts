import { InvalidInputError } from '@ripple/kit'
import type { ChangeEvent, FieldSchema, Row } from '@ripple/kit'
import type { UserChange, UserSnapshot } from '../entities/user-change.entity.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const HEX_16_BYTES = /^[0-9a-f]{32}$/i
const BASE64_16_BYTES = /^[A-Za-z0-9+/_-]{22}(==)?$/

const asUuid = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`.toLowerCase()

/**
 * The BINARY(16) id as a UUID, whichever binary.handling.mode the connector used: hex, base64
 * (JsonConverter's rendering of bytes), or a UUID string already. Anything else is kept as is:
 * the id is only shown, never needed to send a mail.
 */
export function uuidFrom (value: unknown): string {
  if (typeof value !== 'string') return value === null || value === undefined ? '' : String(value)
  if (UUID.test(value)) return value.toLowerCase()
  if (HEX_16_BYTES.test(value)) return asUuid(value)
  if (BASE64_16_BYTES.test(value)) return asUuid(Buffer.from(value, 'base64').toString('hex'))
  return value
}

// Columns that hold dates in userdata.users: without schemas a number there is an epoch count.
const DATE_COLUMNS = new Set(['dateOfBirth', 'createdAt', 'lastUpdated'])
const DAYS = new Set(['io.debezium.time.Date', 'org.apache.kafka.connect.data.Date'])
const MILLIS = new Set(['io.debezium.time.Timestamp', 'org.apache.kafka.connect.data.Timestamp'])
const DAY_MS = 86_400_000

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const isoTime = (ms: number) => new Date(ms).toISOString()

/** Days, millis, micros or nanos since the epoch, read from the schema's logical type or, without one, the magnitude. */
function epochToText (value: number, schema: FieldSchema | undefined): string {
  if (schema?.name && DAYS.has(schema.name)) return isoDate(value * DAY_MS)
  if (schema?.name && MILLIS.has(schema.name)) return isoTime(value)
  if (schema?.name === 'io.debezium.time.MicroTimestamp') return isoTime(value / 1000)
  if (schema?.name === 'io.debezium.time.NanoTimestamp') return isoTime(value / 1_000_000)
  const magnitude = Math.abs(value)
  if (magnitude < 1e5) return isoDate(value * DAY_MS) // up to year 2243
  if (magnitude < 1e13) return isoTime(value) // millis up to year 2286
  if (magnitude < 1e16) return isoTime(value / 1000)
  return isoTime(value / 1_000_000)
}

function columnText (column: string, value: unknown, schema: FieldSchema | undefined): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'number' && (DATE_COLUMNS.has(column) || schema?.name?.startsWith('io.debezium.time.') || schema?.name?.startsWith('org.apache.kafka.connect.data.'))) {
    return epochToText(value, schema)
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

export function toUserSnapshot (row: Row, image: 'before' | 'after', schema?: Record<string, FieldSchema>): UserSnapshot {
  const email = row.email
  if (typeof email !== 'string' || email.trim() === '') throw new InvalidInputError(`${image}.email`, `${image}.email is missing: cannot tell whom to mail`)
  const snapshot: UserSnapshot = { id: uuidFrom(row.id), email: email.trim() }
  for (const [column, value] of Object.entries(row)) {
    if (column === 'id' || column === 'email') continue
    snapshot[column] = columnText(column, value, schema?.[column])
  }
  return snapshot
}

/** Reads a users-table change event as the change the interactor decides on. */
export function toUserChange (event: ChangeEvent): UserChange {
  const image = (name: 'before' | 'after') => {
    const row = event[name]
    if (!row) throw new InvalidInputError(name, `op '${event.op}' without a ${name} image${name === 'before' ? ' (is binlog_row_image FULL?)' : ''}`)
    return toUserSnapshot(row, name, event.rowSchema)
  }
  switch (event.op) {
    case 'c': return { kind: 'created', after: image('after') }
    case 'u': return { kind: 'updated', before: image('before'), after: image('after') }
    case 'd': return { kind: 'deleted', before: image('before') }
    case 'r': return { kind: 'ignored', reason: 'snapshot' }
    case 't': return { kind: 'ignored', reason: 'truncate' }
  }
}
