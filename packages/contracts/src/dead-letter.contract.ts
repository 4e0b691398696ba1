// Where records that can never be processed are parked, and the log of their replays. The kit's
// consumers park in `<topic>.dlq` (packages/kit/src/retry/dead-letter.publisher.ts), a JDBC sink
// in its errors.deadletterqueue.topic.name; `./ripple dlq replay` and the console send a letter
// back and mark it on ripple.dlq-replays.
import { z } from 'zod'
import type { TopicContract } from './topic.contract.ts'
import { defineTopic } from './topic.contract.ts'

export const DLQ_SUFFIX = '.dlq'
export const REPLAYS_TOPIC = 'ripple.dlq-replays'

/**
 * The kit's x-dlq-* headers beside the original record's own (kept, so a replay is the same
 * record): why it failed, where it came from, and which group parked it (each group reading a
 * topic parks its own copy).
 */
export const deadLetterHeadersSchema = z.looseObject({
  'x-dlq-reason': z.string(),
  'x-dlq-error-code': z.string(),
  'x-dlq-error-field': z.string().optional(),
  'x-dlq-original-topic': z.string(),
  'x-dlq-original-partition': z.string().regex(/^\d+$/),
  'x-dlq-original-offset': z.string().regex(/^\d+$/),
  'x-dlq-attempts': z.string().regex(/^\d+$/),
  'x-dlq-failed-at': z.iso.datetime({ offset: true }),
  'x-dlq-consumer-group': z.string().optional()
})

/** Kafka Connect's errors.deadletterqueue.context.headers.enable: where the record came from and why the sink refused it. */
export const connectDeadLetterHeadersSchema = z.looseObject({
  '__connect.errors.topic': z.string(),
  '__connect.errors.partition': z.string(),
  '__connect.errors.offset': z.string(),
  '__connect.errors.connector.name': z.string(),
  '__connect.errors.task.id': z.string(),
  '__connect.errors.stage': z.string(),
  '__connect.errors.class.name': z.string(),
  '__connect.errors.exception.class.name': z.string().optional(),
  '__connect.errors.exception.message': z.string().optional()
})

const asParked = { schema: z.unknown(), encoding: 'bytes', description: 'the original record\'s, byte for byte' } as const

/** The kit's dead-letter topic of a topic its services consume: written by each service that reads it. */
export function deadLetterTopicOf (source: TopicContract): TopicContract {
  if (source.deadLetter === undefined) throw new Error(`${source.name} has no dead-letter topic`)
  const services = [...new Set(source.consumers.flatMap(c => 'service' in c.by ? [c.by.service] : []))]
  return defineTopic({
    name: source.deadLetter,
    summary: `Records of ${source.name} a consumer could never process, parked with why; \`./ripple dlq replay\` sends them back.`,
    key: asParked,
    value: asParked,
    headers: deadLetterHeadersSchema,
    partitions: source.partitions,
    cleanupPolicy: 'delete',
    producers: services.map(service => ({ service })),
    consumers: []
  })
}

/** A JDBC sink's dead-letter topic (errors.tolerance all): one partition, as Connect creates it. */
export function connectDeadLetterTopicOf (source: TopicContract, connector: string): TopicContract {
  if (source.deadLetter === undefined) throw new Error(`${source.name} has no dead-letter topic`)
  return defineTopic({
    name: source.deadLetter,
    summary: `Records of ${source.name} connector ${connector} could not write, with Connect's error headers.`,
    key: asParked,
    value: asParked,
    headers: connectDeadLetterHeadersSchema,
    partitions: 1,
    cleanupPolicy: 'delete',
    producers: [{ connector }],
    consumers: []
  })
}

/** One letter's id: `<dlq topic>:<partition>:<offset>`. */
export const replayKeySchema = z.string().regex(/^.+:\d+:\d+$/)

export const replaysTopic = defineTopic({
  name: REPLAYS_TOPIC,
  summary: 'Which dead letters were replayed and where to, so the console and `./ripple dlq list` mark them.',
  key: { schema: replayKeySchema, encoding: 'string', description: 'the letter: `<dlq topic>:<partition>:<offset>`' },
  value: { schema: z.object({ to: z.string().min(1) }), encoding: 'json', description: 'the topic it was sent back to' },
  headers: z.object({}),
  // Compacted: only the latest mark per letter matters, and it is kept for as long as the letter.
  partitions: 1,
  cleanupPolicy: 'compact',
  producers: [{ tool: 'ripple-cli' }, { tool: 'console' }],
  consumers: []
})
