import { createHash } from 'node:crypto'
import { err, ok } from '@ripple/kit/domain'
import type { Result } from '@ripple/kit/domain'
import type { User } from '../entities/user.entity.ts'
import { ConfirmationUsedError, InvalidConfirmationError, UserNotFoundError } from '../entities/user.errors.ts'
import type { ConfirmationTokenVerifier } from '../ports/confirmation-token-verifier.port.ts'
import type { UserRepository } from '../ports/user-repository.port.ts'

export interface ConfirmEmailDeps {
  users: UserRepository
  confirmations: ConfirmationTokenVerifier
  now?: () => Date
}

export type ConfirmEmail = (token: string) => Promise<Result<User, InvalidConfirmationError | ConfirmationUsedError>>

/**
 * Opens a mailed confirmation link: a valid token for the address the account still has sets it
 * Confirmed. A link is spent by its identity (its jti), never by its spelling: the four spellings
 * a signature's last base64url character allows are one link. The SHA-256 of the identity is
 * recorded in the same transaction as the status, so a link works exactly once.
 */
export function makeConfirmEmail ({ users, confirmations, now = () => new Date() }: ConfirmEmailDeps): ConfirmEmail {
  return async token => {
    const claims = await confirmations.verify(token)
    if (!claims) return err(new InvalidConfirmationError())
    const spendToken = createHash('sha256').update(claims.tokenId, 'utf8').digest()
    const result = await users.update(claims.userId, now(), async current => {
      if (current.email !== claims.email) return err(new InvalidConfirmationError('this link confirms an address the account no longer has'))
      // Confirmed already (another link to the same address): the token is spent, nothing else changes.
      return ok(current.status === 'Confirmed' ? {} : { status: 'Confirmed' as const })
    }, { spendToken })
    if (result.ok) return result
    if (result.error instanceof ConfirmationUsedError || result.error instanceof InvalidConfirmationError) return err(result.error)
    if (result.error instanceof UserNotFoundError) return err(new InvalidConfirmationError('this link is for an account that no longer exists'))
    return err(new InvalidConfirmationError())
  }
}
