import { DomainError } from '@ripple/kit/domain'

export type CargaErrorCode = 'CARGA_REFUSED'

/**
 * A version the database refuses as data (SQLSTATE class 22 or 23): the same record fails the
 * same way every time, so it is dead-lettered rather than retried; an outage never is this.
 */
export class CargaRefusedError extends DomainError<CargaErrorCode> {
  constructor (id: string, reason: string, cause?: unknown) {
    super('CARGA_REFUSED', `PostgreSQL refuses the version of ${JSON.stringify(id)}: ${reason}`, { canRetry: false, field: 'value', cause })
  }
}
