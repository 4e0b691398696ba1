import type { PostgresJobRecord } from '../entities/job-done.entity.ts'

export interface JobRecords {
  id: string
  postgres: PostgresJobRecord
  clickhouse: string[]
}

/** Where a finished job's records go; resolves once all of them are durably accepted. */
export interface JobRecordPublisher {
  publish (records: JobRecords): Promise<void>
}
