import { InvalidInputError, parseInput, parseNanoTimestamp } from '@ripple/kit'
import type { ConsumedMessage, MessageHandler } from '@ripple/kit'
import { z } from 'zod'
import type { JobEvent } from '../entities/job-view.entity.ts'
import type { RecordJobEvent } from '../interactors/record-job-event.interactor.ts'

const timestamp = z.string().refine(text => parseNanoTimestamp(text) !== undefined, 'must be an RFC 3339 timestamp')
// Only what the view keeps: the job's data is not read.
const createdRecord = z.object({ id: z.uuid(), create_date: timestamp })
const finishRecord = z.object({ id: z.uuid(), status: z.literal('finish'), create_date: timestamp, finish_date: timestamp })

export interface JobEventTopics {
  created: string
  finished: string
}

function json (message: ConsumedMessage): unknown {
  if (message.value === null) throw new InvalidInputError('value', 'a job record without a value (tombstone)')
  try {
    return JSON.parse(message.value.toString('utf8'))
  } catch {
    throw new InvalidInputError('value', 'the job record is not JSON')
  }
}

/** Reads a record of either topic as the event it reports; unreadable ones are InvalidInputError, for the dead-letter topic. */
export function toJobEvent (message: ConsumedMessage, topics: JobEventTopics): JobEvent {
  if (message.topic === topics.created) {
    const record = parseInput(createdRecord, json(message), 'value')
    return { kind: 'created', id: record.id.toLowerCase(), createDate: record.create_date }
  }
  if (message.topic === topics.finished) {
    const record = parseInput(finishRecord, json(message), 'value')
    return { kind: 'finish', id: record.id.toLowerCase(), createDate: record.create_date, finishDate: record.finish_date }
  }
  throw new InvalidInputError('topic', `the informer does not read ${message.topic}`)
}

export interface JobEventMetrics {
  applied (event: JobEvent): void
}

export function createJobEventHandler (deps: { recordJobEvent: RecordJobEvent, topics: JobEventTopics, metrics: JobEventMetrics }): MessageHandler {
  return async message => {
    const event = toJobEvent(message, deps.topics)
    await deps.recordJobEvent(event)
    deps.metrics.applied(event)
  }
}
