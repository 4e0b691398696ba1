import { mergeJobView } from '../../src/entities/job-view.entity.ts'
import type { JobView } from '../../src/entities/job-view.entity.ts'
import type { JobViewRepository } from '../../src/ports/job-view-repository.port.ts'

/** The view as a map, folding events with the same rule the PostgreSQL statement implements. */
export class InMemoryJobViewRepository implements JobViewRepository {
  readonly rows = new Map<string, JobView>()
  async apply (event: Parameters<JobViewRepository['apply']>[0]) {
    this.rows.set(event.id, mergeJobView(this.rows.get(event.id), event))
  }

  async find (id: string) {
    return this.rows.get(id)
  }
}
