/** A finished job as the processor published it (seed 003); dates are RFC 3339 with nanoseconds. */
export interface JobDone {
  id: string
  status: 'finish'
  createDate: string
  finishDate: string
  /** The same instants, whole seconds since the epoch. */
  createEpochSeconds: number
  finishEpochSeconds: number
}

/**
 * Kafka Connect's JSON envelope with the schema inline (JsonConverter with schemas.enable=true):
 * the JDBC sink reads column names and types from it, so the record needs no schema registry.
 */
export interface PostgresJobRecord {
  schema: {
    type: 'struct'
    fields: { type: 'string' | 'int64', optional: false, field: string }[]
  }
  payload: { id: string, status: 'finish', create_date: number, finish_date: number }
}

const SCHEMA: PostgresJobRecord['schema'] = {
  type: 'struct',
  fields: [
    { type: 'string', optional: false, field: 'id' },
    { type: 'string', optional: false, field: 'status' },
    { type: 'int64', optional: false, field: 'create_date' },
    { type: 'int64', optional: false, field: 'finish_date' }
  ]
}

/** The row of PostgreSQL's `jobs` table, dates as epoch seconds as in the seed. */
export function toPostgresRecord (done: JobDone): PostgresJobRecord {
  return {
    schema: SCHEMA,
    payload: { id: done.id, status: done.status, create_date: done.createEpochSeconds, finish_date: done.finishEpochSeconds }
  }
}

/**
 * ClickHouse's two CSV rows of a job, `id,create,<create_date>` and `id,finish,<finish_date>`,
 * with the dates as the job carries them. None of the fields can hold a comma, quote or newline
 * (a UUID, a fixed word, an RFC 3339 timestamp), so no CSV quoting is needed.
 */
export function toClickhouseRows (done: JobDone): [string, string] {
  return [`${done.id},create,${done.createDate}`, `${done.id},finish,${done.finishDate}`]
}
