import type { JobEvent } from '../entities/job-view.entity.ts'
import type { JobViewRepository } from '../repositories/job-view.repository.ts'

export type RecordJobEvent = (event: JobEvent) => Promise<void>

export function makeRecordJobEvent ({ views }: { views: JobViewRepository }): RecordJobEvent {
  return event => views.apply(event)
}
