import { InvalidInputError, parseInput, parseNanoTimestamp } from '@ripple/kit'
import type { ConsumedMessage, MessageHandler } from '@ripple/kit'
import { z } from 'zod'
import type { Job } from '../entities/job.entity.ts'
import type { FinishJob, FinishJobResult } from '../interactors/finish-job.interactor.ts'

// Only what the processor uses; `data` is the job's payload and is not read.
const jobRecord = z.object({
  id: z.uuid(),
  create_date: z.string().refine(text => parseNanoTimestamp(text) !== undefined, 'must be an RFC 3339 timestamp'),
  // A sleep bigger than the receiver allows is still honoured: the record is what it is.
  sleep: z.number().int().min(0)
})

/** Reads a receiver-topic record; what cannot be read is InvalidInputError, for the dead-letter topic. */
export function toJob (message: ConsumedMessage): Job {
  if (message.value === null) throw new InvalidInputError('value', 'a job record without a value (tombstone)')
  let json: unknown
  try {
    json = JSON.parse(message.value.toString('utf8'))
  } catch {
    throw new InvalidInputError('value', 'the job record is not JSON')
  }
  const record = parseInput(jobRecord, json, 'value')
  return { id: record.id, createDate: record.create_date, createdAtNs: parseNanoTimestamp(record.create_date)!, sleep: record.sleep }
}

export interface JobMetrics {
  /** Jobs between pick-up and their JobDone's acknowledgement. */
  inProgress: { inc (): void, dec (): void }
  finished (result: FinishJobResult): void
}

export function createJobHandler (deps: { finishJob: FinishJob, metrics: JobMetrics }): MessageHandler {
  const { finishJob, metrics } = deps
  return async (message, signal) => {
    const job = toJob(message)
    metrics.inProgress.inc()
    try {
      metrics.finished(await finishJob(job, signal))
    } finally {
      metrics.inProgress.dec()
    }
  }
}
