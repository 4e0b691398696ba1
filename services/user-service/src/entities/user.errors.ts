import { DomainError } from '@ripple/kit/domain'

// Domain errors are values interactors return; transport decides what they mean in HTTP.

export type UserErrorCode =
  | 'USER_NOT_FOUND' | 'DUPLICATE_USER' | 'INVALID_USER'
  | 'INVALID_CREDENTIALS' | 'TOO_MANY_ATTEMPTS' | 'CURRENT_PASSWORD_REQUIRED' | 'WRONG_CURRENT_PASSWORD'
  | 'INVALID_CONFIRMATION' | 'CONFIRMATION_USED' | 'TOKEN_REVOKED'

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

/** One answer for an unknown user, a wrong password and a wrong admin key: none tells which it was. */
export class InvalidCredentialsError extends DomainError<UserErrorCode> {
  constructor () {
    super('INVALID_CREDENTIALS', 'the username, email, password or admin key is not right', { field: 'credentials' })
  }
}

/** Too many failed sign-ins for this account or from this address; try again after `retryAfterSeconds`. */
export class TooManyAttemptsError extends DomainError<UserErrorCode> {
  readonly retryAfterSeconds: number

  constructor (retryAfterSeconds: number) {
    super('TOO_MANY_ATTEMPTS', `too many failed attempts: try again in ${retryAfterSeconds} s`, { field: 'credentials' })
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/** Changing the email or password needs the current password (an admin is exempt). */
export class CurrentPasswordRequiredError extends DomainError<UserErrorCode> {
  constructor () {
    super('CURRENT_PASSWORD_REQUIRED', 'changing email or password needs currentPassword', { field: 'currentPassword' })
  }
}

export class WrongCurrentPasswordError extends DomainError<UserErrorCode> {
  constructor () {
    super('WRONG_CURRENT_PASSWORD', 'currentPassword is not the current password', { field: 'currentPassword' })
  }
}

/** A confirmation token that is forged, expired, or for an address the account no longer has. */
export class InvalidConfirmationError extends DomainError<UserErrorCode> {
  constructor (message = 'the confirmation link is invalid or expired') {
    super('INVALID_CONFIRMATION', message, { field: 'token' })
  }
}

/** Each confirmation link works once. */
export class ConfirmationUsedError extends DomainError<UserErrorCode> {
  constructor () {
    super('CONFIRMATION_USED', 'this confirmation link was already used', { field: 'token' })
  }
}

/** The owner's access token was signed before the account's last password change: it died with the change. */
export class TokenRevokedError extends DomainError<UserErrorCode> {
  constructor () {
    super('TOKEN_REVOKED', 'the password was changed after this access token was issued: sign in again with POST /auth/token', { field: 'authorization' })
  }
}
