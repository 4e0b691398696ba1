import { isTokenRevoked } from '@ripple/kit'
import type { Caller, UserTokenState } from '@ripple/kit'
import type { TokenRevocationStore } from '../ports/token-revocation.port.ts'

export type RecordUserTokenState = (state: UserTokenState) => Promise<'recorded' | 'nothing to revoke'>
export type IsTokenRevoked = (caller: Caller) => Promise<boolean>

/** Keeps a user's change when it revokes something: a password change or a deletion. Other changes (sign-up, a new address) are not stored, so the table stays small. */
export function makeRecordUserTokenState ({ revocations }: { revocations: TokenRevocationStore }): RecordUserTokenState {
  return async state => {
    if (!state.deleted && state.passwordChangedAtMs === null) return 'nothing to revoke'
    await revocations.record(state)
    return 'recorded'
  }
}

/** Whether a verified token was signed before its user's last password change, or for an account since deleted. */
export function makeIsTokenRevoked ({ revocations }: { revocations: TokenRevocationStore }): IsTokenRevoked {
  return async caller => caller.role === 'user' && isTokenRevoked(caller, await revocations.find(caller.userId))
}
