import type { JobInfo } from '../entities/job-view.entity.ts'
import type { JobViewRepository } from '../ports/job-view-repository.port.ts'

export type GetJobInfo = (id: string) => Promise<JobInfo>

/** Answers from the view only: a job not in it was never seen (or not yet), which is `unknown`. */
export function makeGetJobInfo ({ views }: { views: JobViewRepository }): GetJobInfo {
  return async id => (await views.find(id)) ?? { id, status: 'unknown' }
}
