import { DomainError } from '@ripple/kit/domain'

// Domain errors are values interactors return; transport decides what they mean in HTTP.

export type CargaErrorCode = 'CARGA_NOT_FOUND' | 'CASSANDRA_UNAVAILABLE' | 'KAFKA_UNAVAILABLE'

export class CargaNotFoundError extends DomainError<CargaErrorCode> {
  constructor (id: string) {
    super('CARGA_NOT_FOUND', `no carga with id ${JSON.stringify(id)}`, { field: 'id' })
  }
}

/** Cassandra could not say what the id holds, so nothing was published: the client may try again. */
export class StoreUnavailableError extends DomainError<CargaErrorCode> {
  constructor (cause: unknown) {
    super('CASSANDRA_UNAVAILABLE', 'Cassandra does not answer; nothing was stored, try again later', { canRetry: true, cause })
  }
}

/** Kafka did not acknowledge the record, so the load was not accepted: the client may try again. */
export class LogUnavailableError extends DomainError<CargaErrorCode> {
  constructor (cause: unknown) {
    super('KAFKA_UNAVAILABLE', 'Kafka did not acknowledge the load; nothing was accepted, try again later', { canRetry: true, cause })
  }
}
