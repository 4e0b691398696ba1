// The job pipeline's records (seed 003): receiver-topic's job, processor-topic's JobDone.
// Both are JSON keyed by the job id, field for field as the seed writes them; the JDBC sink and
// ClickHouse read what converter makes of them, so names and order here are the wire format.
import { parseNanoTimestamp } from '@ripple/kit'
import type { ConsumedMessage } from '@ripple/kit'
import { z } from 'zod'
import { connectJsonSchema } from './debezium.contract.ts'
import { decodeValue, encodeValue } from './topic.codec.ts'
import { defineTopic, noHeaders } from './topic.contract.ts'

export const RECEIVER_TOPIC = 'receiver-topic'
export const PROCESSOR_TOPIC = 'processor-topic'
export const POSTGRES_TOPIC = 'postgres-topic'
export const CLICKHOUSE_TOPIC = 'clickhouse-topic'
/** connectors/postgres-connector.json: the JDBC sink of postgres-topic into PostgreSQL's jobs. */
export const JOBS_SINK_CONNECTOR = 'postgres-connector'

/** RFC 3339 to the nanosecond as written (`2024-01-27T12:34:50.594423357Z`); fewer digits or an offset are read too. */
const timestamp = z.string().refine(text => parseNanoTimestamp(text) !== undefined, 'must be an RFC 3339 timestamp')

/** receiver-topic: a job the receiver made. Written by receiver, read by processor and informer. */
export const jobRecordSchema = z.object({
  id: z.uuid(),
  create_date: timestamp,
  // Not capped at the receiver's limit: a record already in the topic is honoured as it is.
  sleep: z.number().int().min(0),
  /** The job's payload as hex; nobody downstream reads it. */
  data: z.string()
})
export type JobRecord = z.infer<typeof jobRecordSchema>

export function makeJobRecord (job: { id: string, createDate: string, sleep: number, data: string }): JobRecord {
  return { id: job.id, create_date: job.createDate, sleep: job.sleep, data: job.data }
}

/** processor-topic: a finished job. Written by processor, read by converter and informer. */
export const jobDoneSchema = z.object({
  id: z.uuid(),
  // The seed knows one outcome; ClickHouse's view keeps out any other.
  status: z.literal('finish'),
  create_date: timestamp,
  finish_date: timestamp
})
export type JobDoneRecord = z.infer<typeof jobDoneSchema>

export function makeJobDone (done: { id: string, createDate: string, finishDate: string }): JobDoneRecord {
  return { id: done.id, status: 'finish', create_date: done.createDate, finish_date: done.finishDate }
}

/**
 * postgres-topic: a finished job as a row of PostgreSQL's `jobs`, in JsonConverter's envelope so
 * the JDBC sink reads the columns from the record itself. Dates are whole seconds since the epoch.
 */
export const postgresJobRowSchema = z.object({
  id: z.uuid(),
  status: z.literal('finish'),
  create_date: z.number().int(),
  finish_date: z.number().int()
})
export const postgresJobRecordSchema = connectJsonSchema(postgresJobRowSchema)

/** clickhouse-topic: one CSV row `id,create|finish,<RFC 3339 timestamp>`, read by ClickHouse's Kafka engine (stack/clickhouse/jobs.sql). */
export const clickhouseJobRowSchema = z.string().regex(/^[0-9a-f-]{36},(create|finish),[^,\n]+$/i)

const jobKey = { schema: z.uuid(), encoding: 'string', description: 'the job id, so one job\'s records keep their order' } as const

export const receiverTopic = defineTopic({
  name: RECEIVER_TOPIC,
  summary: 'Jobs as the receiver accepted them (POST /create/job).',
  key: jobKey,
  value: { schema: jobRecordSchema, encoding: 'json', description: 'the job' },
  headers: noHeaders,
  partitions: 3,
  cleanupPolicy: 'delete',
  deadLetter: `${RECEIVER_TOPIC}.dlq`,
  producers: [{ service: 'receiver' }],
  consumers: [
    { group: 'processor', by: { service: 'processor' } },
    { group: 'informer', by: { service: 'informer' }, reads: ['id', 'create_date'] }
  ]
})

export const processorTopic = defineTopic({
  name: PROCESSOR_TOPIC,
  summary: 'Jobs the processor finished (JobDone).',
  key: jobKey,
  value: { schema: jobDoneSchema, encoding: 'json', description: 'the finished job' },
  headers: noHeaders,
  partitions: 3,
  cleanupPolicy: 'delete',
  deadLetter: `${PROCESSOR_TOPIC}.dlq`,
  producers: [{ service: 'processor' }],
  consumers: [
    { group: 'converter', by: { service: 'converter' } },
    { group: 'informer', by: { service: 'informer' }, reads: ['id', 'status', 'create_date', 'finish_date'] }
  ]
})

export const postgresTopic = defineTopic({
  name: POSTGRES_TOPIC,
  summary: 'Finished jobs as rows of PostgreSQL\'s jobs table, for the JDBC sink.',
  key: jobKey,
  value: { schema: postgresJobRecordSchema, encoding: 'connect-json', description: 'the row, with its Connect schema' },
  headers: noHeaders,
  partitions: 3,
  cleanupPolicy: 'delete',
  // The sink's own (errors.deadletterqueue.topic.name), not the kit's.
  deadLetter: `${POSTGRES_TOPIC}.dlq`,
  producers: [{ service: 'converter' }],
  consumers: [{ group: `connect-${JOBS_SINK_CONNECTOR}`, by: { connector: JOBS_SINK_CONNECTOR } }]
})

export const clickhouseTopic = defineTopic({
  name: CLICKHOUSE_TOPIC,
  summary: 'A job\'s creation and finish as CSV rows for ClickHouse\'s Kafka engine.',
  key: jobKey,
  value: { schema: clickhouseJobRowSchema, encoding: 'csv', description: '`id,create|finish,timestamp`' },
  headers: noHeaders,
  partitions: 3,
  cleanupPolicy: 'delete',
  producers: [{ service: 'converter' }],
  consumers: [{ group: 'clickhouse', by: { tool: 'clickhouse' } }]
})

// The one codec of each jobs topic: producers encode through it (checked before send), consumers
// decode through it (an InvalidInputError naming the field, which the kit dead-letters).
type Value = Pick<ConsumedMessage, 'value'>

export const decodeJobRecord = (message: Value): JobRecord => decodeValue(receiverTopic, message)
export const encodeJobRecord = (job: Parameters<typeof makeJobRecord>[0]): string => encodeValue(receiverTopic, makeJobRecord(job))

export const decodeJobDone = (message: Value): JobDoneRecord => decodeValue(processorTopic, message)
export const encodeJobDone = (done: Parameters<typeof makeJobDone>[0]): string => encodeValue(processorTopic, makeJobDone(done))

export const encodePostgresJobRecord = (record: z.input<typeof postgresJobRecordSchema>): string => encodeValue(postgresTopic, record)
export const encodeClickhouseJobRow = (row: string): string => encodeValue(clickhouseTopic, row)
