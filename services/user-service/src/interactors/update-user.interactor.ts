import type { User, UserChanges } from '../entities/user.entity.ts'
import type { DuplicateUserError, InvalidUserError, UserNotFoundError } from '../entities/user.errors.ts'
import { err } from '@ripple/kit/domain'
import type { Result } from '@ripple/kit/domain'
import type { PasswordHasher } from '../ports/password-hasher.port.ts'
import type { StoredUserChanges, UserRepository } from '../ports/user-repository.port.ts'
import { makeGetUser } from './get-user.interactor.ts'
import { checkDateOfBirth, checkPassword } from './user.rules.ts'

export interface UpdateUserDeps {
  users: UserRepository
  hasher: PasswordHasher
  now?: () => Date
}

export type UpdateUser = (id: string, changes: UserChanges) => Promise<Result<User, UserNotFoundError | DuplicateUserError | InvalidUserError>>

export function makeUpdateUser ({ users, hasher, now = () => new Date() }: UpdateUserDeps): UpdateUser {
  const getUser = makeGetUser({ users })
  return async (id, changes) => {
    const given = Object.entries(changes).filter(([, value]) => value !== undefined)
    // Nothing to change writes nothing: no new lastUpdated, no change event, no email.
    if (given.length === 0) return getUser(id)

    const at = now()
    const { password, ...fields } = changes
    const invalid = (password === undefined ? undefined : checkPassword(password)) ??
      (changes.dateOfBirth === undefined ? undefined : checkDateOfBirth(changes.dateOfBirth, at))
    if (invalid) return err(invalid)

    const stored: StoredUserChanges = password === undefined ? fields : { ...fields, passwordHash: await hasher.hash(password) }
    return users.update(id, stored, at)
  }
}
