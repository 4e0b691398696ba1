import { randomUUID } from 'node:crypto'
import type { User } from '../entities/user.entity.ts'
import type { DuplicateUserError, InvalidUserError } from '../entities/user.errors.ts'
import { err } from '@ripple/kit/domain'
import type { Result } from '@ripple/kit/domain'
import type { PasswordHasher } from '../ports/password-hasher.port.ts'
import type { UserRepository } from '../ports/user-repository.port.ts'
import { checkDateOfBirth, checkPassword } from './user.rules.ts'

export interface CreateUserInput {
  username: string
  email: string
  password: string
  fullName?: string | null
  dateOfBirth?: string | null
  address?: string | null
}

export interface CreateUserDeps {
  users: UserRepository
  hasher: PasswordHasher
  newId?: () => string
  now?: () => Date
}

export type CreateUser = (input: CreateUserInput) => Promise<Result<User, DuplicateUserError | InvalidUserError>>

export function makeCreateUser ({ users, hasher, newId = randomUUID, now = () => new Date() }: CreateUserDeps): CreateUser {
  return async input => {
    const at = now()
    const invalid = checkPassword(input.password) ?? checkDateOfBirth(input.dateOfBirth, at)
    if (invalid) return err(invalid)

    const user: User = {
      id: newId(),
      username: input.username,
      email: input.email,
      fullName: input.fullName ?? null,
      dateOfBirth: input.dateOfBirth ?? null,
      address: input.address ?? null,
      // A new account confirms its email through the link in the welcome mail.
      status: 'Unconfirmed',
      createdAt: at,
      lastUpdated: at,
      passwordChangedAt: null
    }
    return users.insert(user, await hasher.hash(input.password))
  }
}
