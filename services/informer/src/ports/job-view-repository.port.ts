import type { JobEvent, JobView } from '../entities/job-view.entity.ts'

/**
 * The informer's materialized view of jobs. `apply` folds an event in atomically with the rule
 * of mergeJobView, whatever else is applied at the same moment.
 */
export interface JobViewRepository {
  apply (event: JobEvent): Promise<void>
  find (id: string): Promise<JobView | undefined>
}
