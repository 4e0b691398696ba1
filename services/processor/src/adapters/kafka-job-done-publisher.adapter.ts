import { encodeJobDone } from '@ripple/contracts'
import type { KafkaProducer } from '@ripple/kit'
import type { JobDonePublisher } from '../ports/job-done-publisher.port.ts'

/** The seed's processor-topic record, keyed by job id like the job itself, checked against the contract before it is sent. */
export function createKafkaJobDonePublisher (producer: KafkaProducer, topic: string): JobDonePublisher {
  return {
    publish: async done => { await producer.send({ topic, key: done.id, value: encodeJobDone(done) }) }
  }
}
