import { z } from 'zod'
import { InvalidInputError } from '../errors/ripple.error.ts'
import type { ChangeEvent, ChangeSource, DecodedChange, FieldSchema, Row } from './change-event.types.ts'

const rowSchema = z.record(z.string(), z.unknown())

const sourceSchema = z.looseObject({
  ts_ms: z.number(),
  db: z.string(),
  table: z.string().optional(),
  file: z.string().optional(),
  pos: z.number().optional(),
  row: z.number().optional(),
  gtid: z.string().nullish()
})

const envelopeSchema = z.looseObject({
  op: z.enum(['c', 'u', 'd', 'r', 't']),
  before: rowSchema.nullish(),
  after: rowSchema.nullish(),
  source: sourceSchema,
  ts_ms: z.number().optional()
}).superRefine(({ op, before, after }, ctx) => {
  if ((op === 'c' || op === 'r' || op === 'u') && !after) ctx.addIssue({ code: 'custom', path: ['after'], message: `op '${op}' needs an after image` })
  if (op === 'd' && !before) ctx.addIssue({ code: 'custom', path: ['before'], message: "op 'd' needs a before image" })
})

const fieldSchema: z.ZodType<FieldSchema & { field?: string, fields?: unknown[] }> = z.looseObject({
  type: z.string(),
  field: z.string().optional(),
  name: z.string().optional(),
  optional: z.boolean().optional(),
  parameters: z.record(z.string(), z.string()).optional(),
  fields: z.array(z.unknown()).optional()
})

function parseJson (data: Buffer | string, what: 'key' | 'value'): unknown {
  try {
    return JSON.parse(typeof data === 'string' ? data : data.toString('utf8'))
  } catch (error) {
    throw new InvalidInputError(what, `${what} is not JSON: ${(error as Error).message}`)
  }
}

const isEnvelope = (v: unknown): v is { schema: unknown, payload: unknown } =>
  typeof v === 'object' && v !== null && 'schema' in v && 'payload' in v && Object.keys(v).length === 2

/** The column schemas of the before/after struct, from JsonConverter's schema. */
function rowSchemaOf (schema: unknown): Record<string, FieldSchema> | undefined {
  const envelope = fieldSchema.safeParse(schema)
  if (!envelope.success) return undefined
  const image = envelope.data.fields?.map(f => fieldSchema.safeParse(f)).find(f => f.success && (f.data.field === 'after' || f.data.field === 'before'))
  if (!image?.success || !image.data.fields) return undefined
  const columns: Record<string, FieldSchema> = {}
  for (const candidate of image.data.fields) {
    const column = fieldSchema.safeParse(candidate)
    if (column.success && column.data.field) {
      const { type, name, optional, parameters } = column.data
      columns[column.data.field] = { type, ...(name ? { name } : {}), ...(optional !== undefined ? { optional } : {}), ...(parameters ? { parameters } : {}) }
    }
  }
  return columns
}

/**
 * Decodes a Debezium change event as Kafka Connect's JsonConverter writes it, with schemas on
 * (`{schema, payload}`) or off (the payload alone). A null value is a tombstone (Debezium sends
 * one after a delete so compaction can drop the key). Anything else is an InvalidInputError:
 * such a message can never be processed and belongs in the dead-letter topic.
 */
export function decodeChangeEvent<T = Row> (value: Buffer | string | null | undefined, row?: z.ZodType<T>): DecodedChange<T> {
  if (value === null || value === undefined || value.length === 0) return { kind: 'tombstone' }
  let payload = parseJson(value, 'value')
  let schema: unknown
  if (isEnvelope(payload)) {
    schema = payload.schema
    payload = payload.payload
    if (payload === null) return { kind: 'tombstone' }
  }
  const parsed = envelopeSchema.safeParse(payload)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field = issue && issue.path.length > 0 ? issue.path.join('.') : 'value'
    throw new InvalidInputError(field, `not a Debezium change event: ${field}: ${issue?.message ?? 'invalid'}`)
  }
  const { op, before, after, source, ts_ms: tsMs } = parsed.data
  const image = (data: Row | null | undefined, field: 'before' | 'after'): T | null => {
    if (!data) return null
    if (!row) return data as T
    const checked = row.safeParse(data)
    if (checked.success) return checked.data
    const issue = checked.error.issues[0]
    throw new InvalidInputError(`${field}.${issue?.path.join('.') ?? ''}`, `${field}: ${issue?.message ?? 'invalid row'}`)
  }
  const columns = schema === undefined ? undefined : rowSchemaOf(schema)
  const event: ChangeEvent<T> = {
    op,
    before: image(before, 'before'),
    after: image(after, 'after'),
    source: source as ChangeSource,
    ts_ms: tsMs ?? source.ts_ms,
    ...(columns ? { rowSchema: columns } : {})
  }
  return { kind: 'change', event }
}

/** Decodes a Debezium key (the primary key columns), with or without schema; null when the record has no key. */
export function decodeChangeKey (key: Buffer | string | null | undefined): Row | null {
  if (key === null || key === undefined || key.length === 0) return null
  let parsed = parseJson(key, 'key')
  if (isEnvelope(parsed)) parsed = parsed.payload
  const checked = rowSchema.safeParse(parsed)
  if (!checked.success) throw new InvalidInputError('key', 'key is not a JSON object')
  return checked.data
}

export interface RecordPosition { topic: string, partition: number, offset: bigint }

/**
 * A stable identity for a change, for idempotent consumers. The binlog position names the change
 * itself, so a change Debezium publishes twice (it delivers at least once: after a connector
 * restart it may replay from its last stored offset) is recognised even at a new Kafka offset.
 * file+pos+row is unique per row event on a server; gtid+row is a weaker fallback (rows of two
 * statements in one transaction share a gtid) used only when no file/pos is given. Snapshot reads
 * all carry the snapshot's position, so they, and sources without a binlog, fall back to
 * topic/partition/offset.
 */
export function changeEventId (event: ChangeEvent<unknown>, position: RecordPosition): string {
  const { source } = event
  const snapshot = event.op === 'r' || (source.snapshot !== undefined && source.snapshot !== false && source.snapshot !== 'false')
  if (!snapshot) {
    if (typeof source.file === 'string' && source.file !== '' && typeof source.pos === 'number') return `binlog:${source.file}:${source.pos}:${source.row ?? 0}`
    if (typeof source.gtid === 'string' && source.gtid !== '') return `gtid:${source.gtid}:${source.row ?? 0}`
  }
  return `kafka:${position.topic}:${position.partition}:${position.offset}`
}
