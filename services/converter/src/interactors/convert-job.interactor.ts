import type { JobDone } from '../entities/job-done.entity.ts'
import { toClickhouseRows, toPostgresRecord } from '../entities/job-done.entity.ts'
import type { JobRecordPublisher, JobRecords } from '../ports/job-record-publisher.port.ts'

export type ConvertJob = (done: JobDone) => Promise<JobRecords>

/**
 * One JobDone becomes its PostgreSQL record and its ClickHouse rows, published together. A
 * redelivered JobDone publishes them again: the JDBC sink upserts by id, and ClickHouse's
 * side deduplicates by (id, status).
 */
export function makeConvertJob ({ publisher }: { publisher: JobRecordPublisher }): ConvertJob {
  return async done => {
    const records: JobRecords = { id: done.id, postgres: toPostgresRecord(done), clickhouse: toClickhouseRows(done) }
    await publisher.publish(records)
    return records
  }
}
