import type { Job } from '../entities/job.entity.ts'

/** Where new jobs go; resolves once the job is durably accepted (Kafka acknowledged it). */
export interface JobPublisher {
  publish (job: Job): Promise<void>
}
