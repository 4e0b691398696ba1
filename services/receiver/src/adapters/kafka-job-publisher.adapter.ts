import { encodeJobRecord } from '@ripple/contracts'
import type { KafkaProducer } from '@ripple/kit'
import type { JobPublisher } from '../ports/job-publisher.port.ts'

/** The seed's receiver-topic record, keyed by job id so everything about a job stays on one partition, checked against the contract before it is sent. */
export function createKafkaJobPublisher (producer: KafkaProducer, topic: string): JobPublisher {
  return {
    publish: async job => { await producer.send({ topic, key: job.id, value: encodeJobRecord(job) }) }
  }
}
