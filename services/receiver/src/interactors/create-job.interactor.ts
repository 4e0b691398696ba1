import { randomBytes, randomUUID } from 'node:crypto'
import { createNanoClock, formatNanoTimestamp } from '@ripple/kit'
import type { Job, JobRequest } from '../entities/job.entity.ts'
import type { JobPublisher } from '../ports/job-publisher.port.ts'

export interface CreateJobDeps {
  publisher: JobPublisher
  newId?: () => string
  /** Nanoseconds since the epoch. */
  now?: () => bigint
  randomHex?: (bytes: number) => string
}

export type CreateJob = (request: JobRequest) => Promise<Job>

/** Makes a job and answers it only once it is published: an answered job is never lost. */
export function makeCreateJob ({ publisher, newId = randomUUID, now = createNanoClock(), randomHex = bytes => randomBytes(bytes).toString('hex') }: CreateJobDeps): CreateJob {
  return async request => {
    const job: Job = {
      id: newId(),
      createDate: formatNanoTimestamp(now()),
      sleep: request.sleep,
      data: randomHex(request.dataSize)
    }
    await publisher.publish(job)
    return job
  }
}
