import type { UserTokenState } from '@ripple/kit'

/** What this service knows of each user's tokens, from user-service's change events (the latest password change, a deletion). */
export interface TokenRevocationStore {
  /** Merges a user's state in: the later password change wins, and a deletion stays. */
  record (state: UserTokenState): Promise<void>
  /** Undefined when no change of the user's was worth keeping. */
  find (userId: string): Promise<Omit<UserTokenState, 'userId'> | undefined>
}
