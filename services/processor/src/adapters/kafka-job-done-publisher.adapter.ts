import { makeJobDone } from '@ripple/contracts'
import type { KafkaProducer } from '@ripple/kit'
import type { JobDonePublisher } from '../ports/job-done-publisher.port.ts'

/** The seed's processor-topic record, keyed by job id like the job itself. */
export function createKafkaJobDonePublisher (producer: KafkaProducer, topic: string): JobDonePublisher {
  return {
    publish: done => producer.sendJson(topic, done.id, makeJobDone(done))
  }
}
