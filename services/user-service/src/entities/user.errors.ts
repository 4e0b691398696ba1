// Domain errors are values interactors return; transport decides what they mean in HTTP.

export class UserNotFoundError extends Error {
  readonly code = 'USER_NOT_FOUND'
  readonly id: string

  constructor (id: string) {
    super(`no user with id ${id}`)
    this.name = 'UserNotFoundError'
    this.id = id
  }
}

/** Another user already has this username or email. */
export class DuplicateUserError extends Error {
  readonly code = 'DUPLICATE_USER'
  readonly field: 'username' | 'email'

  constructor (field: 'username' | 'email') {
    super(`a user with this ${field} already exists`)
    this.name = 'DuplicateUserError'
    this.field = field
  }
}

/** Well-formed input that breaks a business rule (a too-short password, a birth date in the future). */
export class InvalidUserError extends Error {
  readonly code = 'INVALID_USER'
  readonly field: string

  constructor (field: string, message: string) {
    super(message)
    this.name = 'InvalidUserError'
    this.field = field
  }
}
