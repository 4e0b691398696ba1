import type { User, UserChanges } from '../entities/user.entity.ts'
import type { DuplicateUserError, UserNotFoundError } from '../entities/user.errors.ts'
import type { Result } from '@ripple/kit/domain'

/** Changes as stored: the password arrives here already hashed. */
export type StoredUserChanges = Omit<UserChanges, 'password'> & { passwordHash?: string }

export interface UserPage {
  items: User[]
  total: number
}

/** Where users live. Uniqueness of username and email is the store's to enforce, atomically. */
export interface UserRepository {
  insert (user: User, passwordHash: string): Promise<Result<User, DuplicateUserError>>
  findById (id: string): Promise<User | undefined>
  /** Oldest first, so pages stay stable while users are added. */
  list (page: { limit: number, offset: number }): Promise<UserPage>
  /** Writes only the given fields plus lastUpdated, and answers the user as stored afterwards. */
  update (id: string, changes: StoredUserChanges, lastUpdated: Date): Promise<Result<User, UserNotFoundError | DuplicateUserError>>
  /** false when there was no such user. */
  delete (id: string): Promise<boolean>
}
