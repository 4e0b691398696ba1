import { epochSeconds, InvalidInputError, parseInput, parseNanoTimestamp } from '@ripple/kit'
import type { ConsumedMessage, MessageHandler } from '@ripple/kit'
import { z } from 'zod'
import type { JobDone } from '../entities/job-done.entity.ts'
import type { ConvertJob } from '../interactors/convert-job.interactor.ts'

const timestamp = z.string().refine(text => parseNanoTimestamp(text) !== undefined, 'must be an RFC 3339 timestamp')
const jobDoneRecord = z.object({
  id: z.uuid(),
  status: z.string().min(1).max(32),
  create_date: timestamp,
  finish_date: timestamp
})

/** Reads a processor-topic record; what cannot be read is InvalidInputError, for the dead-letter topic. */
export function toJobDone (message: ConsumedMessage): JobDone {
  if (message.value === null) throw new InvalidInputError('value', 'a JobDone record without a value (tombstone)')
  let json: unknown
  try {
    json = JSON.parse(message.value.toString('utf8'))
  } catch {
    throw new InvalidInputError('value', 'the JobDone record is not JSON')
  }
  const record = parseInput(jobDoneRecord, json, 'value')
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
