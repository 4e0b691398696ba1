// carga_topic's records (seed 002): what carga-service publishes and what every store is written
// from (carga-service's own Cassandra writer, sync-service into PostgreSQL). One schema, so a
// record one reader takes is never refused by the other and the stores cannot part over it.
import { decodeJsonRecord, InvalidInputError } from '@ripple/kit'
import type { ConsumedMessage } from '@ripple/kit'
import { z } from 'zod'
import { changeEventSchema, connectJsonSchema, heartbeatTopic } from './debezium.contract.ts'
import { encodeValue } from './topic.codec.ts'
import { defineTopic, noHeaders } from './topic.contract.ts'

export const CARGA_TOPIC = 'carga_topic'
/** connectors/carga-postgres-source.json's topic.prefix: PostgreSQL's tabela is `carga.public.tabela`. */
export const CARGA_SOURCE_CONNECTOR = 'carga-postgres-source'
export const CARGA_SINK_CONNECTOR = 'carga-mariadb-sink'
export const CARGA_CHANGES_TOPIC = 'carga.public.tabela'

export const CARGA_LIMITS = {
  id: { min: 1, max: 64 },
  valor: { max: 10_000 }
} as const

// PostgreSQL's text cannot hold U+0000, so no store may be given one.
const noNul = (s: string) => !s.includes('\u0000')

/** An id as clients send it and every store keys it. */
export const cargaIdSchema = z.string({ error: 'must be a string' })
  .min(CARGA_LIMITS.id.min, `must be ${CARGA_LIMITS.id.min} to ${CARGA_LIMITS.id.max} characters`)
  .max(CARGA_LIMITS.id.max, `must be ${CARGA_LIMITS.id.min} to ${CARGA_LIMITS.id.max} characters`)
  .refine(noNul, 'must not contain U+0000')

/** A value, stored exactly as sent (not trimmed). */
export const cargaValorSchema = z.string({ error: 'must be a string' })
  .max(CARGA_LIMITS.valor.max, `must be at most ${CARGA_LIMITS.valor.max} characters`)
  .refine(noNul, 'must not contain U+0000')

/**
 * A carga_topic value, keyed by `id`. carga-service always sets `requestId` and `acceptedAt`;
 * readers take a record without them (one produced by hand), and never one with a bad id or valor.
 */
export const cargaRecordSchema = z.object({
  id: cargaIdSchema,
  valor: cargaValorSchema,
  requestId: z.string().max(256).optional(),
  acceptedAt: z.iso.datetime({ offset: true }).optional()
})

export type CargaRecord = z.infer<typeof cargaRecordSchema>

/**
 * The one decoder of carga_topic, for every reader. The key must be the id: the partition is
 * chosen by the key, so a record keyed otherwise is not ordered with that id's other writes and a
 * store applying it could keep an older valor. Anything that can never be written is an
 * InvalidInputError naming the field, which the kit dead-letters.
 */
export function decodeCargaRecord (message: Pick<ConsumedMessage, 'key' | 'value'>): CargaRecord {
  const record = decodeJsonRecord(cargaRecordSchema, message)
  const key = message.key?.toString('utf8')
  if (key !== record.id) throw new InvalidInputError('key', `the key ${JSON.stringify(key ?? null)} is not the record's id ${JSON.stringify(record.id)}`)
  return record
}

/** carga_topic's one encoder: the record checked against the contract before it is sent, so no reader refuses it. */
export function encodeCargaRecord (record: z.input<typeof cargaRecordSchema>): string {
  return encodeValue(cargaTopic, record)
}

export const cargaTopic = defineTopic({
  name: CARGA_TOPIC,
  summary: 'Loads accepted by carga-service (POST /carga), written from here into Cassandra and PostgreSQL.',
  key: { schema: cargaIdSchema, encoding: 'string', description: 'the id: one id\'s writes stay in order' },
  value: { schema: cargaRecordSchema, encoding: 'json', description: 'the load' },
  headers: noHeaders,
  partitions: 3,
  cleanupPolicy: 'delete',
  deadLetter: `${CARGA_TOPIC}.dlq`,
  producers: [{ service: 'carga-service' }],
  consumers: [
    { group: 'carga-service', by: { service: 'carga-service' } },
    { group: 'sync-service', by: { service: 'sync-service' } }
  ]
})

/** PostgreSQL's tabela as Debezium's PostgreSQL connector writes it (pgoutput, JsonConverter with schemas). */
export const cargaRowSchema = z.looseObject({
  id: cargaIdSchema,
  valor: z.string().nullable(),
  /** timestamptz as io.debezium.time.ZonedTimestamp (ISO 8601 text). */
  updated_at: z.string()
})

export const cargaChangesTopic = defineTopic({
  name: CARGA_CHANGES_TOPIC,
  summary: 'Changes of PostgreSQL\'s carga.tabela, carried on to MariaDB by the JDBC sink.',
  key: { schema: connectJsonSchema(z.object({ id: z.string() })), encoding: 'connect-json', description: 'the primary key' },
  value: { schema: connectJsonSchema(changeEventSchema(cargaRowSchema)).nullable(), encoding: 'connect-json', description: 'Debezium\'s change envelope; null (a tombstone) after a delete, so compaction may drop the id' },
  headers: noHeaders,
  partitions: 3,
  cleanupPolicy: 'delete',
  producers: [{ connector: CARGA_SOURCE_CONNECTOR }],
  consumers: [{ group: `connect-${CARGA_SINK_CONNECTOR}`, by: { connector: CARGA_SINK_CONNECTOR } }]
})

export const cargaHeartbeatTopic = heartbeatTopic('carga', CARGA_SOURCE_CONNECTOR)
