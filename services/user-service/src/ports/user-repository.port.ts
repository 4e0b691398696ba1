import type { User, UserChanges, UserStatus } from '../entities/user.entity.ts'
import type { ConfirmationUsedError, DuplicateUserError, UserNotFoundError } from '../entities/user.errors.ts'
import type { Result } from '@ripple/kit/domain'

/** Changes as stored: the password arrives here already hashed; status and passwordChangedAt are set by the rules, never by clients. */
export type StoredUserChanges = Omit<UserChanges, 'password'> & { passwordHash?: string, status?: UserStatus, passwordChangedAt?: Date }

/** A user with the hash of their password, as the repository hands it to the rules of a write. */
export interface StoredUser extends User {
  passwordHash: string
}

export interface UserPage {
  items: User[]
  total: number
}

/**
 * Decides a write from the row as it is inside the write's transaction (locked): the changes to
 * store (an empty object writes nothing), or an error that aborts the write.
 */
export type UpdatePlan<E> = (current: StoredUser) => Promise<Result<StoredUserChanges, E>>

export interface UpdateOptions {
  /** Once the plan agreed, records this SHA-256 of a single-use token as spent in the same transaction; already spent → ConfirmationUsedError, nothing written. */
  spendToken?: Buffer
}

/**
 * Where users live. Uniqueness of username (by `usernameKey`) and email (by `identityKey`) is the store's to
 * enforce, atomically.
 */
export interface UserRepository {
  insert (user: User, passwordHash: string): Promise<Result<User, DuplicateUserError>>
  findById (id: string): Promise<User | undefined>
  /** The account a sign-in names, by the identity key of its username or email, with its password hash. */
  findForSignIn (login: { username: string } | { email: string }): Promise<StoredUser | undefined>
  /** Oldest first, so pages stay stable while users are added. */
  list (page: { limit: number, offset: number }): Promise<UserPage>
  /**
   * One transaction: locks the row, asks the plan what to change, writes only that plus
   * `lastUpdated` (nothing at all when the plan changes nothing), and answers the row as this
   * transaction left it, whatever other writers do around it.
   */
  update<E> (id: string, lastUpdated: Date, plan: UpdatePlan<E>, options?: UpdateOptions): Promise<Result<User, E | UserNotFoundError | DuplicateUserError | ConfirmationUsedError>>
  /**
   * Swaps the stored hash for an equivalent one (the same password under stronger parameters) if
   * it is still `current`: nothing else changes, lastUpdated included, since the account did not.
   * false when the hash changed meanwhile (a password change wins) or the user is gone.
   */
  replacePasswordHash (id: string, current: string, replacement: string): Promise<boolean>
  /** false when there was no such user. */
  delete (id: string): Promise<boolean>
}
