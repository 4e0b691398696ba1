import type { User, UserChanges } from '../entities/user.entity.ts'
import { CurrentPasswordRequiredError, TokenRevokedError, TooManyAttemptsError, WrongCurrentPasswordError } from '../entities/user.errors.ts'
import type { DuplicateUserError, InvalidUserError, UserNotFoundError } from '../entities/user.errors.ts'
import { err, ok } from '@ripple/kit/domain'
import type { Result } from '@ripple/kit/domain'
import type { PasswordHasher } from '../ports/password-hasher.port.ts'
import type { StoredUserChanges, UserRepository } from '../ports/user-repository.port.ts'
import { accountKeyOf } from './password-attempts.rules.ts'
import type { PasswordAttempts } from './password-attempts.rules.ts'
import { checkDateOfBirth, checkPassword } from './user.rules.ts'

export interface UpdateUserDeps {
  users: UserRepository
  hasher: PasswordHasher
  /** A wrong currentPassword is a failed attempt, counted and slowed like a failed sign-in. */
  attempts: PasswordAttempts
  now?: () => Date
}

export interface UpdateAuthority {
  /** An admin changes any account without the current password. */
  asAdmin: boolean
  /** The owner's current password, needed to change email or password. */
  currentPassword?: string
  /** The client's address, which the owner's password attempts are counted by. */
  clientAddress: string
  /**
   * When the owner's access token was signed: a password changed after it revokes it. Checked on
   * the row the write locks, so a PATCH needs no read of its own to learn it.
   */
  tokenIssuedAtMs?: number
}

export type UpdateUserError = UserNotFoundError | DuplicateUserError | InvalidUserError | CurrentPasswordRequiredError | WrongCurrentPasswordError | TokenRevokedError | TooManyAttemptsError

export type UpdateUser = (id: string, changes: UserChanges, authority: UpdateAuthority) => Promise<Result<User, UpdateUserError>>

// The plain fields a PATCH may set, compared with what is stored to find what really changes.
const FIELDS = ['username', 'email', 'fullName', 'dateOfBirth', 'address'] as const

/**
 * Changes what differs from the stored row and nothing else, decided on the row locked inside the
 * write's transaction: values equal to the stored ones write nothing (no lastUpdated, no change
 * event); a new email sets the account back to Unconfirmed in the same UPDATE; a new password is
 * stored hashed with passwordChangedAt, so the owner is told through CDC without the secret.
 */
export function makeUpdateUser ({ users, hasher, attempts, now = () => new Date() }: UpdateUserDeps): UpdateUser {
  return async (id, changes, { asAdmin, currentPassword, clientAddress, tokenIssuedAtMs }) => {
    const at = now()
    const { password } = changes
    const invalid = (password === undefined ? undefined : checkPassword(password)) ??
      (changes.dateOfBirth === undefined ? undefined : checkDateOfBirth(changes.dateOfBirth, at))
    if (invalid) return err(invalid)

    return users.update<CurrentPasswordRequiredError | WrongCurrentPasswordError | TokenRevokedError | TooManyAttemptsError>(id, at, async current => {
      if (tokenIssuedAtMs !== undefined && current.passwordChangedAt && current.passwordChangedAt.getTime() > tokenIssuedAtMs) return err(new TokenRevokedError())
      const diff: StoredUserChanges = {}
      for (const field of FIELDS) {
        const value = changes[field]
        if (value !== undefined && value !== current[field]) Object.assign(diff, { [field]: value })
      }

      if (!asAdmin && (password !== undefined || diff.email !== undefined)) {
        if (currentPassword === undefined) return err(new CurrentPasswordRequiredError())
        const wait = attempts.wait(accountKeyOf(id), clientAddress)
        if (wait > 0) return err(new TooManyAttemptsError(wait))
        if (!await hasher.verify(currentPassword, current.passwordHash)) {
          attempts.failed(accountKeyOf(id), clientAddress)
          return err(new WrongCurrentPasswordError())
        }
        attempts.succeeded(accountKeyOf(id), clientAddress)
      }

      if (diff.email !== undefined && current.status !== 'Unconfirmed') diff.status = 'Unconfirmed'
      if (password !== undefined) {
        // The same password again is no change (the owner just proved it is the current one).
        const same = asAdmin ? await hasher.verify(password, current.passwordHash) : password === currentPassword
        if (!same) {
          diff.passwordHash = await hasher.hash(password)
          diff.passwordChangedAt = at
        }
      }
      return ok(diff)
    })
  }
}
