import { DomainError } from '@ripple/kit/domain'

// Domain errors are values interactors return; transport decides what they mean in HTTP.

export type UserErrorCode = 'USER_NOT_FOUND' | 'DUPLICATE_USER' | 'INVALID_USER'

export class UserNotFoundError extends DomainError<UserErrorCode> {
  readonly id: string

  constructor (id: string) {
    super('USER_NOT_FOUND', `no user with id ${id}`, { field: 'id' })
    this.id = id
  }
}

/** Another user already has this username or email. */
export class DuplicateUserError extends DomainError<UserErrorCode> {
  declare readonly field: 'username' | 'email'

  constructor (field: 'username' | 'email') {
    super('DUPLICATE_USER', `a user with this ${field} already exists`, { field })
  }
}

/** Well-formed input that breaks a business rule (a too-short password, a birth date in the future). */
export class InvalidUserError extends DomainError<UserErrorCode> {
  declare readonly field: string

  constructor (field: string, message: string) {
    super('INVALID_USER', message, { field })
  }
}
