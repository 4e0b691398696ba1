// A load (seed 002): a value under an id, as carga-service accepted it. The same id again with
// another value is an update, and the last write by carga_topic's order wins in every store.

/**
 * Where a record sits on carga_topic. Its key is the id, so every version of one id is on one
 * partition and the offset orders them: the version of a row is the offset of the record it came from.
 */
export interface TopicPosition {
  partition: number
  offset: bigint
}

/** One version of a row of tabela: what a carga_topic record says, and where it sits. */
export interface CargaVersion {
  id: string
  valor: string
  /** When carga-service accepted it (the record's acceptedAt, else its timestamp). */
  updatedAt: Date
  /** The request that carried it, to follow one write through the logs; absent on records made elsewhere. */
  requestId: string | undefined
  position: TopicPosition
}

/** What writing a version did: `applied` when it became the row, `stale` when the row already held it or a newer one. */
export type SyncOutcome = 'applied' | 'stale'

/**
 * The rule every store applies: a version replaces the row only when it is newer. A redelivery
 * (the same offset) or an older record (a replay) never overwrites what a later write put there.
 */
export function supersedes (incoming: TopicPosition, stored: TopicPosition | undefined): boolean {
  return stored === undefined || incoming.offset > stored.offset
}
