import type { JobEvent } from '../entities/job-view.entity.ts'
import type { JobViewRepository } from '../ports/job-view-repository.port.ts'

export type RecordJobEvent = (event: JobEvent) => Promise<void>

export function makeRecordJobEvent ({ views }: { views: JobViewRepository }): RecordJobEvent {
  return event => views.apply(event)
}
