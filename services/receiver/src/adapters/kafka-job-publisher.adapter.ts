import { makeJobRecord } from '@ripple/contracts'
import type { KafkaProducer } from '@ripple/kit'
import type { JobPublisher } from '../ports/job-publisher.port.ts'

/** The seed's receiver-topic record, keyed by job id so everything about a job stays on one partition. */
export function createKafkaJobPublisher (producer: KafkaProducer, topic: string): JobPublisher {
  return {
    publish: job => producer.sendJson(topic, job.id, makeJobRecord(job))
  }
}
