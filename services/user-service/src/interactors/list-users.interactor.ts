import type { User } from '../entities/user.entity.ts'
import type { UserRepository } from '../ports/user-repository.port.ts'

export interface ListUsersInput {
  limit: number
  offset: number
}

export interface UsersPage {
  items: User[]
  limit: number
  offset: number
  total: number
}

export type ListUsers = (page: ListUsersInput) => Promise<UsersPage>

export function makeListUsers ({ users }: { users: UserRepository }): ListUsers {
  return async ({ limit, offset }) => {
    const { items, total } = await users.list({ limit, offset })
    return { items, limit, offset, total }
  }
}
