import { createHash, randomUUID } from 'node:crypto'
import { SignJWT, jwtVerify } from 'jose'
import { z } from 'zod'

/**
 * Email-confirmation tokens. notification-service mints one when it mails a welcome or an
 * address change (it learns of both through CDC, never through a captured secret column), and
 * user-service verifies it at GET /users/confirm. The token names the user and the address it
 * confirms and expires, and carries a random `jti`: user-service records the jti of each used
 * token, so a link works once whatever its spelling (the last base64url character of a signature
 * has spare bits: four spellings decode to the same bytes and all verify).
 * Its own secret, not the access-token one: the mailer cannot mint sign-in tokens.
 */

export interface ConfirmationClaims {
  userId: string
  email: string
}

/** A verified token: its claims and the identity a single use is recorded by. */
export interface VerifiedConfirmation extends ConfirmationClaims {
  /**
   * The token's `jti`; for a token minted before tokens had one, the SHA-256 of its signed part
   * (header.payload), which its signature pins to one spelling.
   */
  tokenId: string
}

export interface ConfirmationTokens {
  mint (claims: ConfirmationClaims): Promise<string>
  /** The claims and identity of a valid, unexpired token, or undefined. */
  verify (token: string): Promise<VerifiedConfirmation | undefined>
}

const AUDIENCE = 'ripple-email-confirmation'

export const confirmationTokenConfigSchema = z.object({
  CONFIRMATION_SECRET: z.string().min(32, 'at least 32 characters'),
  CONFIRMATION_TTL_SECONDS: z.coerce.number().int().min(60).max(30 * 86_400).default(48 * 3600)
})
export type ConfirmationTokenConfig = z.infer<typeof confirmationTokenConfigSchema>

export function createConfirmationTokens (config: ConfirmationTokenConfig): ConfirmationTokens {
  const key = new TextEncoder().encode(config.CONFIRMATION_SECRET)
  return {
    mint: ({ userId, email }) => new SignJWT({ email })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setAudience(AUDIENCE)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${config.CONFIRMATION_TTL_SECONDS}s`)
      .sign(key),

    async verify (token) {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], audience: AUDIENCE })
        if (typeof payload.sub !== 'string' || typeof payload.email !== 'string') return undefined
        if (payload.jti !== undefined && (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 128)) return undefined
        const tokenId = payload.jti ?? `signed:${createHash('sha256').update(token.slice(0, token.lastIndexOf('.'))).digest('base64url')}`
        return { userId: payload.sub, email: payload.email, tokenId }
      } catch {
        return undefined
      }
    }
  }
}
