import { decodeJobDone } from '@ripple/contracts'
import { epochSeconds, parseNanoTimestamp } from '@ripple/kit'
import type { ConsumedMessage, MessageHandler } from '@ripple/kit'
import type { JobDone } from '../entities/job-done.entity.ts'
import type { ConvertJob } from '../interactors/convert-job.interactor.ts'

/** Reads a processor-topic record; what cannot be read is InvalidInputError, for the dead-letter topic. */
export function toJobDone (message: ConsumedMessage): JobDone {
  const record = decodeJobDone(message)
  // The contract's timestamp check is parseNanoTimestamp, so both answer here.
  return {
    id: record.id,
    status: record.status,
    createDate: record.create_date,
    finishDate: record.finish_date,
    createEpochSeconds: epochSeconds(parseNanoTimestamp(record.create_date)!),
    finishEpochSeconds: epochSeconds(parseNanoTimestamp(record.finish_date)!)
  }
}

export function createJobDoneHandler (deps: { convertJob: ConvertJob, onConverted: () => void }): MessageHandler {
  return async message => {
    await deps.convertJob(toJobDone(message))
    deps.onConverted()
  }
}
