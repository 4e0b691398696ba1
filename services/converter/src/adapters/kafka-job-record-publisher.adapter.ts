import type { KafkaProducer } from '@ripple/kit'
import type { JobRecordPublisher } from '../ports/job-record-publisher.port.ts'

/** Every record keyed by job id; one send, so the three share a produce request. */
export function createKafkaJobRecordPublisher (producer: KafkaProducer, topics: { postgres: string, clickhouse: string }): JobRecordPublisher {
  return {
    publish: records => producer.send([
      { topic: topics.postgres, key: records.id, value: JSON.stringify(records.postgres) },
      ...records.clickhouse.map(row => ({ topic: topics.clickhouse, key: records.id, value: row }))
    ])
  }
}
