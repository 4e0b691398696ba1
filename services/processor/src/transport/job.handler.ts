import { decodeJobRecord } from '@ripple/contracts'
import { parseNanoTimestamp } from '@ripple/kit'
import type { ConsumedMessage, MessageHandler } from '@ripple/kit'
import type { Job } from '../entities/job.entity.ts'
import type { FinishJob, FinishJobResult } from '../interactors/finish-job.interactor.ts'

/** Reads a receiver-topic record; what cannot be read is InvalidInputError, for the dead-letter topic. */
export function toJob (message: ConsumedMessage): Job {
  const record = decodeJobRecord(message)
  // The contract's timestamp check is parseNanoTimestamp, so it answers here.
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
