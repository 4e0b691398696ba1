import type { VerifiedConfirmation } from '@ripple/kit'

/** Reads a mailed confirmation token (the kit's createConfirmationTokens fills it). */
export interface ConfirmationTokenVerifier {
  /** The user and address it confirms and the token's identity, or undefined for a forged, expired or malformed token. */
  verify (token: string): Promise<VerifiedConfirmation | undefined>
}
