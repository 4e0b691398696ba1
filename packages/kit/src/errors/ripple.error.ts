import { DomainError } from '../domain/domain.error.ts'

/** An error of the kit's own code (configuration, infrastructure); see DomainError for code and canRetry. */
export class RippleError<Code extends string = string> extends DomainError<Code> {}

/** Input that can never be valid: an HTTP 400, or a message that goes straight to the dead-letter topic. */
export class InvalidInputError extends RippleError<'INVALID_INPUT'> {
  declare readonly field: string

  constructor (field: string, message: string) {
    super('INVALID_INPUT', message, { field })
  }
}
