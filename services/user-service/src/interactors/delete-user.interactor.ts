import { UserNotFoundError } from '../entities/user.errors.ts'
import { err, ok } from '@ripple/kit/domain'
import type { Result } from '@ripple/kit/domain'
import type { UserRepository } from '../ports/user-repository.port.ts'

export type DeleteUser = (id: string) => Promise<Result<void, UserNotFoundError>>

export function makeDeleteUser ({ users }: { users: UserRepository }): DeleteUser {
  return async id => (await users.delete(id)) ? ok(undefined) : err(new UserNotFoundError(id))
}
