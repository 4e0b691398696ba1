/** What a client loads (seed 002): a value under an id; the same id again with another value is an update. */
export interface Carga {
  id: string
  valor: string
}

/** A load as carga_topic carries it: the record every store is written from. */
export interface CargaEvent extends Carga {
  /** The HTTP request that was accepted (X-Request-Id), to follow it through the logs. */
  requestId: string
  /** RFC 3339, when carga-service accepted it. */
  acceptedAt: string
}

/** Where a record sits on carga_topic: one id always lands on one partition, so offsets order its versions. */
export interface TopicPosition {
  partition: number
  offset: bigint
}

/** A load as Cassandra holds it: the event and the position of the record it came from. */
export type StoredCarga = CargaEvent & TopicPosition

