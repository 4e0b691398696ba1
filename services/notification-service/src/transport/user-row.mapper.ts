import { InvalidInputError } from '@ripple/kit'
import type { ChangeEvent, FieldSchema, Row } from '@ripple/kit'
import { hasControlCharacters } from '../entities/mail.entity.ts'
import type { UserChange, UserSnapshot } from '../entities/user-change.entity.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const HEX_16_BYTES = /^[0-9a-f]{32}$/i
const BASE64_16_BYTES = /^[A-Za-z0-9+/_-]{22}(==)?$/

const asUuid = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`.toLowerCase()

/**
 * The BINARY(16) id as a UUID, whichever binary.handling.mode the connector used: hex, base64
 * (JsonConverter's rendering of bytes), or a UUID string already: the form user-service's API
 * and its confirmation tokens use. Anything else is kept as is.
 */
export function uuidFrom (value: unknown): string {
  if (typeof value !== 'string') return value === null || value === undefined ? '' : String(value)
  if (UUID.test(value)) return value.toLowerCase()
  if (HEX_16_BYTES.test(value)) return asUuid(value)
  if (BASE64_16_BYTES.test(value)) return asUuid(Buffer.from(value, 'base64').toString('hex'))
  return value
}

const DATE = 'io.debezium.time.Date'
const MICRO_TIMESTAMP = 'io.debezium.time.MicroTimestamp'

/**
 * The logical types Debezium gives the temporal columns of userdata.users (time.precision.mode
 * adaptive): a DATE is io.debezium.time.Date, days since 1970-01-01 (negative before), a
 * DATETIME(6) io.debezium.time.MicroTimestamp. The connector writes no schemas, so these are
 * how a number in those columns is read; a schema, when present, names the type itself. A
 * number's size is never a clue: 1600-01-01 is -135140 days, a small number all the same.
 */
export const USER_COLUMN_TYPES: Readonly<Record<string, string>> = {
  dateOfBirth: DATE,
  createdAt: MICRO_TIMESTAMP,
  lastUpdated: MICRO_TIMESTAMP,
  passwordChangedAt: MICRO_TIMESTAMP
}

const DAY_MS = 86_400_000
const days = (n: number) => n * DAY_MS
const millis = (n: number) => n
// Floor, not truncate: -1 µs is 1969-12-31T23:59:59.999999, in the millisecond before the epoch.
const micros = (n: number) => Math.floor(n / 1000)
const nanos = (n: number) => Math.floor(n / 1_000_000)

/** Each temporal logical type's number as epoch milliseconds, and whether it is a calendar day. */
const TEMPORAL: Record<string, { toMs: (n: number) => number, day?: true }> = {
  'io.debezium.time.Date': { toMs: days, day: true },
  'org.apache.kafka.connect.data.Date': { toMs: days, day: true },
  'io.debezium.time.Timestamp': { toMs: millis },
  'org.apache.kafka.connect.data.Timestamp': { toMs: millis },
  'io.debezium.time.MicroTimestamp': { toMs: micros },
  'io.debezium.time.NanoTimestamp': { toMs: nanos }
}

/**
 * A Debezium temporal number as text: a day as YYYY-MM-DD (proleptic Gregorian, as Debezium
 * counts, so 0001-01-01 is -719162), an instant as ISO 8601 in UTC to the millisecond. A number
 * no Date can hold is shown as it came rather than failing the event. Undefined for a type that
 * is not one of these.
 */
export function temporalText (value: number, logicalType: string): string | undefined {
  const unit = TEMPORAL[logicalType]
  if (!unit) return undefined
  if (!Number.isInteger(value)) return String(value)
  const date = new Date(unit.toMs(value))
  if (Number.isNaN(date.getTime())) return String(value)
  const iso = date.toISOString()
  return unit.day ? iso.slice(0, iso.indexOf('T')) : iso
}

function columnText (column: string, value: unknown, schema: FieldSchema | undefined): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'number') {
    const logicalType = schema ? schema.name : USER_COLUMN_TYPES[column]
    const text = logicalType === undefined ? undefined : temporalText(value, logicalType)
    if (text !== undefined) return text
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

export function toUserSnapshot (row: Row, image: 'before' | 'after', schema?: Record<string, FieldSchema>): UserSnapshot {
  const email = row.email
  if (typeof email !== 'string' || email.trim() === '') throw new InvalidInputError(`${image}.email`, `${image}.email is missing: cannot tell whom to mail`)
  // user-service refuses such addresses; one that got into the table anyway is never put in an envelope.
  if (hasControlCharacters(email)) throw new InvalidInputError(`${image}.email`, `${image}.email contains control characters: not a mailable address`)
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
