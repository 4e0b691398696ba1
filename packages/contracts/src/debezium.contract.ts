// What Debezium writes: a table's change envelope (before/after/source/op), Kafka Connect's
// JsonConverter wrapping where a connector has schemas on, and the connectors' own bookkeeping
// topics (schema history, heartbeats). The decoding lives in @ripple/kit's change-event decoder;
// these schemas say what it is given.
import { z } from 'zod'
import type { TopicContract } from './topic.contract.ts'
import { defineTopic, noHeaders } from './topic.contract.ts'

/** The source block of a MariaDB/MySQL or PostgreSQL connector: loose, since every connector adds its own fields. */
export const changeSourceSchema = z.looseObject({
  version: z.string().optional(),
  connector: z.string().optional(),
  name: z.string().optional(),
  ts_ms: z.number().int(),
  snapshot: z.union([z.string(), z.boolean()]).optional(),
  db: z.string(),
  table: z.string().optional(),
  server_id: z.number().int().optional(),
  gtid: z.string().nullish(),
  file: z.string().optional(),
  pos: z.number().int().optional(),
  row: z.number().int().optional(),
  lsn: z.number().int().nullish()
})

export const CHANGE_OPS = ['c', 'u', 'd', 'r', 't'] as const

/**
 * A row's change as Debezium's envelope carries it: `c` create, `u` update, `d` delete,
 * `r` snapshot read, `t` truncate. Loose, so a field Debezium adds (transaction) is passed over.
 */
export function changeEventSchema<R extends z.ZodType> (row: R) {
  return z.looseObject({
    before: row.nullish(),
    after: row.nullish(),
    source: changeSourceSchema,
    op: z.enum(CHANGE_OPS),
    ts_ms: z.number().int().optional()
  })
}

/**
 * Kafka Connect's JsonConverter with schemas.enable=true: the Connect schema beside the data, so
 * a JDBC sink needs no schema registry. The Connect schema itself is Connect's business: loose.
 */
export function connectJsonSchema<P extends z.ZodType> (payload: P) {
  return z.object({
    schema: z.looseObject({ type: z.string() }),
    payload
  })
}

/** Debezium's schema history of a MariaDB/MySQL connector: one partition, kept forever, read back on start. */
/** Its reader's group is Debezium's default schema.history.internal.name, `<topic.prefix>-schemahistory`. */
export function schemaHistoryTopic (name: string, connector: string, topicPrefix: string): TopicContract {
  return defineTopic({
    name,
    summary: `The DDL history of connector ${connector}, which it reads back on start to know each table's columns at each binlog position.`,
    key: { schema: z.null(), encoding: 'bytes', description: 'none' },
    value: {
      schema: z.looseObject({ source: z.looseObject({ server: z.string() }), position: z.record(z.string(), z.unknown()), ddl: z.string().optional(), tableChanges: z.array(z.unknown()).optional() }),
      encoding: 'json',
      description: 'one DDL statement and the table structures after it'
    },
    headers: noHeaders,
    // Debezium refuses a history topic with more than one partition or a finite retention.
    partitions: 1,
    cleanupPolicy: 'delete',
    config: { 'retention.ms': -1, 'retention.bytes': -1 },
    producers: [{ connector }],
    consumers: [{ group: `${topicPrefix}-schemahistory`, by: { connector } }]
  })
}

/** A connector's heartbeats (heartbeat.interval.ms): they move its offsets on while its tables are quiet. */
export function heartbeatTopic (topicPrefix: string, connector: string): TopicContract {
  return defineTopic({
    name: `__debezium-heartbeat.${topicPrefix}`,
    summary: `Heartbeats of connector ${connector}, so its source position (and PostgreSQL's WAL) moves on while its tables are quiet.`,
    key: { schema: connectJsonSchema(z.object({ serverName: z.string() })), encoding: 'connect-json', description: 'the connector\'s topic prefix' },
    value: { schema: connectJsonSchema(z.object({ ts_ms: z.number().int() })), encoding: 'connect-json', description: 'when it beat' },
    headers: noHeaders,
    partitions: 1,
    cleanupPolicy: 'delete',
    producers: [{ connector }],
    consumers: []
  })
}
