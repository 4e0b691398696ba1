// The job pipeline's records (seed 003): receiver-topic's job, processor-topic's JobDone.
// Both are JSON keyed by the job id, field for field as the seed writes them; the JDBC sink and
// ClickHouse read what converter makes of them, so names and order here are the wire format.
import { parseNanoTimestamp } from '@ripple/kit'
import { z } from 'zod'

/** RFC 3339 to the nanosecond as written (`2024-01-27T12:34:50.594423357Z`); fewer digits or an offset are read too. */
const timestamp = z.string().refine(text => parseNanoTimestamp(text) !== undefined, 'must be an RFC 3339 timestamp')

/** receiver-topic: a job the receiver made. Written by receiver, read by processor and informer. */
export const jobRecordSchema = z.object({
  id: z.uuid(),
  create_date: timestamp,
  // Not capped at the receiver's limit: a record already in the topic is honoured as it is.
  sleep: z.number().int().min(0),
  /** The job's payload as hex; nobody downstream reads it. */
  data: z.string()
})
export type JobRecord = z.infer<typeof jobRecordSchema>

export function makeJobRecord (job: { id: string, createDate: string, sleep: number, data: string }): JobRecord {
  return { id: job.id, create_date: job.createDate, sleep: job.sleep, data: job.data }
}

/** processor-topic: a finished job. Written by processor, read by converter and informer. */
export const jobDoneSchema = z.object({
  id: z.uuid(),
  // The seed knows one outcome; ClickHouse's view keeps out any other.
  status: z.literal('finish'),
  create_date: timestamp,
  finish_date: timestamp
})
export type JobDoneRecord = z.infer<typeof jobDoneSchema>

export function makeJobDone (done: { id: string, createDate: string, finishDate: string }): JobDoneRecord {
  return { id: done.id, status: 'finish', create_date: done.createDate, finish_date: done.finishDate }
}
