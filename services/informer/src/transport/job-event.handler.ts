import { decodeJobDone, decodeJobRecord } from '@ripple/contracts'
import { InvalidInputError } from '@ripple/kit'
import type { ConsumedMessage, MessageHandler } from '@ripple/kit'
import type { JobEvent } from '../entities/job-view.entity.ts'
import type { RecordJobEvent } from '../interactors/record-job-event.interactor.ts'

export interface JobEventTopics {
  created: string
  finished: string
}

/** Reads a record of either topic as the event it reports; unreadable ones are InvalidInputError, for the dead-letter topic. */
export function toJobEvent (message: ConsumedMessage, topics: JobEventTopics): JobEvent {
  if (message.topic === topics.created) {
    const record = decodeJobRecord(message)
    return { kind: 'created', id: record.id.toLowerCase(), createDate: record.create_date }
  }
  if (message.topic === topics.finished) {
    const record = decodeJobDone(message)
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
