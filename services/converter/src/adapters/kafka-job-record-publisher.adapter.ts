import { encodeClickhouseJobRow, encodePostgresJobRecord } from '@ripple/contracts'
import type { KafkaProducer } from '@ripple/kit'
import type { JobRecordPublisher } from '../ports/job-record-publisher.port.ts'

/** Every record keyed by job id and checked against its topic's contract; one send, so the three share a produce request. */
export function createKafkaJobRecordPublisher (producer: KafkaProducer, topics: { postgres: string, clickhouse: string }): JobRecordPublisher {
  return {
    publish: async records => {
      // Encoded before the send: a record that fails its contract throws here, and nothing of the job is written.
      const postgres = encodePostgresJobRecord(records.postgres)
      const clickhouse = records.clickhouse.map(encodeClickhouseJobRow)
      await producer.send([
        { topic: topics.postgres, key: records.id, value: postgres },
        ...clickhouse.map(row => ({ topic: topics.clickhouse, key: records.id, value: row }))
      ])
    }
  }
}
