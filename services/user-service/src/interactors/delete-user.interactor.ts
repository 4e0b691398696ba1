import { UserNotFoundError } from '../entities/user.errors.ts'
import { err, ok } from '../entities/result.ts'
import type { Result } from '../entities/result.ts'
import type { UserRepository } from '../ports/user-repository.port.ts'

export type DeleteUser = (id: string) => Promise<Result<void, UserNotFoundError>>

export function makeDeleteUser ({ users }: { users: UserRepository }): DeleteUser {
  return async id => (await users.delete(id)) ? ok(undefined) : err(new UserNotFoundError(id))
}
