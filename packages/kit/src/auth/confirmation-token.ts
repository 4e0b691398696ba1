import { SignJWT, jwtVerify } from 'jose'
import { z } from 'zod'

/**
 * Email-confirmation tokens. notification-service mints one when it mails a welcome or an
 * address change (it learns of both through CDC, never through a captured secret column), and
 * user-service verifies it at GET /users/confirm. The token names the user and the address it
 * confirms and expires; user-service keeps a hash of each used token so it works once only.
 * Its own secret, not the access-token one: the mailer cannot mint sign-in tokens.
 */

export interface ConfirmationClaims {
  userId: string
  email: string
}

export interface ConfirmationTokens {
  mint (claims: ConfirmationClaims): Promise<string>
  /** The claims of a valid, unexpired token, or undefined. */
  verify (token: string): Promise<ConfirmationClaims | undefined>
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
      .setIssuedAt()
      .setExpirationTime(`${config.CONFIRMATION_TTL_SECONDS}s`)
      .sign(key),

    async verify (token) {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], audience: AUDIENCE })
        if (typeof payload.sub !== 'string' || typeof payload.email !== 'string') return undefined
        return { userId: payload.sub, email: payload.email }
      } catch {
        return undefined
      }
    }
  }
}
