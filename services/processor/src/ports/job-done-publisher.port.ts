import type { JobDone } from '../entities/job.entity.ts'

/** Where finished jobs go; resolves once the result is durably accepted. */
export interface JobDonePublisher {
  publish (done: JobDone): Promise<void>
}
