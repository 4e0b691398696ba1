/** c: create, u: update, d: delete, r: read (snapshot), t: truncate. */
export type ChangeOp = 'c' | 'u' | 'd' | 'r' | 't'

/** Where the change came from; MySQL/MariaDB connectors fill the binlog fields. */
export interface ChangeSource {
  ts_ms: number
  db: string
  table?: string
  connector?: string
  name?: string
  snapshot?: string | boolean
  server_id?: number
  file?: string
  pos?: number
  row?: number
  gtid?: string | null
  [field: string]: unknown
}

/** A column's Kafka Connect schema, e.g. {type: 'int32', name: 'io.debezium.time.Date'}. */
export interface FieldSchema {
  type: string
  name?: string
  optional?: boolean
  parameters?: Record<string, string>
}

export type Row = Record<string, unknown>

export interface ChangeEvent<T = Row> {
  op: ChangeOp
  before: T | null
  after: T | null
  source: ChangeSource
  ts_ms: number
  /** The row's column schemas when the converter had schemas on; absent otherwise. */
  rowSchema?: Record<string, FieldSchema>
}

export type DecodedChange<T = Row> = { kind: 'change', event: ChangeEvent<T> } | { kind: 'tombstone' }
