import type { User } from '../entities/user.entity.ts'
import { UserNotFoundError } from '../entities/user.errors.ts'
import { err, ok } from '@ripple/kit/domain'
import type { Result } from '@ripple/kit/domain'
import type { UserRepository } from '../ports/user-repository.port.ts'

export type GetUser = (id: string) => Promise<Result<User, UserNotFoundError>>

export function makeGetUser ({ users }: { users: UserRepository }): GetUser {
  return async id => {
    const user = await users.findById(id)
    return user ? ok(user) : err(new UserNotFoundError(id))
  }
}
