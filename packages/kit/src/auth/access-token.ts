import { timingSafeEqual, createHash } from 'node:crypto'
import { SignJWT, jwtVerify } from 'jose'
import type { FastifyRequest } from 'fastify'
import { z } from 'zod'
import { HttpError } from '../http/http-server.ts'

/**
 * Access tokens: HS256 JWTs (jose) that user-service signs at sign-in and every service that acts
 * for a user verifies with the same secret. A token says who the caller is (`sub`, a user id) and
 * whether it is an operator (`role: admin`, issued only for the admin key).
 */

/**
 * Who calls. `issuedAtMs` is when the token was signed (verified tokens carry it), so a service
 * can refuse tokens older than a password change.
 */
export type Caller = { role: 'user', userId: string, issuedAtMs?: number } | { role: 'admin', issuedAtMs?: number }

export interface IssuedToken {
  accessToken: string
  tokenType: 'Bearer'
  expiresIn: number
}

export interface AccessTokens {
  issue (caller: Caller): Promise<IssuedToken>
  /** The caller a token stands for, or undefined for a forged, expired or malformed one. */
  verify (token: string): Promise<Caller | undefined>
}

const ISSUER = 'ripple'
const AUDIENCE = 'ripple-api'

/** The settings of a service that verifies (or issues) access tokens. */
export const accessTokenConfigSchema = z.object({
  // No default on purpose: `./ripple up` passes the generated one; a service run by hand names the variable it lacks.
  JWT_SECRET: z.string().min(32, 'at least 32 characters'),
  JWT_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900)
})
export type AccessTokenConfig = z.infer<typeof accessTokenConfigSchema>

export function createAccessTokens (config: AccessTokenConfig): AccessTokens {
  const key = new TextEncoder().encode(config.JWT_SECRET)
  return {
    async issue (caller) {
      // JWT's own iat counts seconds; a password change and a sign-in in one second need milliseconds to tell apart.
      const jwt = new SignJWT({ role: caller.role, iat_ms: Date.now() })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${config.JWT_TTL_SECONDS}s`)
      if (caller.role === 'user') jwt.setSubject(caller.userId)
      return { accessToken: await jwt.sign(key), tokenType: 'Bearer', expiresIn: config.JWT_TTL_SECONDS }
    },

    async verify (token) {
      try {
        // The algorithm is pinned: a token claiming `none` or another algorithm is refused.
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE })
        const issuedAtMs = typeof payload.iat_ms === 'number' ? payload.iat_ms : (payload.iat ?? 0) * 1000
        if (payload.role === 'admin') return { role: 'admin', issuedAtMs }
        if (payload.role === 'user' && typeof payload.sub === 'string' && payload.sub.length > 0) return { role: 'user', userId: payload.sub, issuedAtMs }
        return undefined
      } catch {
        return undefined
      }
    }
  }
}

const unauthorized = (message: string) =>
  new HttpError(401, 'UNAUTHORIZED', message, 'authorization', { 'www-authenticate': 'Bearer realm="ripple"' })

/** The caller of a request from its `Authorization: Bearer …` header; 401 when there is none or it is not valid. */
export async function authenticate (req: FastifyRequest, tokens: AccessTokens): Promise<Caller> {
  const header = req.headers.authorization
  if (header === undefined) throw unauthorized('an access token is required: sign in with POST /auth/token and send Authorization: Bearer <accessToken>')
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header)
  const caller = match?.[1] ? await tokens.verify(match[1]) : undefined
  if (!caller) throw unauthorized('the access token is invalid or expired: sign in again with POST /auth/token')
  return caller
}

/** 403 unless the caller is the given user or an admin. */
export function requireOwner (caller: Caller, userId: string, field = 'id'): void {
  if (caller.role === 'admin') return
  if (caller.userId !== userId) throw new HttpError(403, 'FORBIDDEN', 'this access token belongs to another user', field)
}

/** 403 unless the caller holds an admin token. */
export function requireAdmin (caller: Caller): void {
  if (caller.role !== 'admin') throw new HttpError(403, 'FORBIDDEN', 'an admin access token is required', 'authorization')
}

/** Compares two secrets in constant time (hashing first, so their lengths leak nothing either). */
export function sameSecret (given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest()
  return timingSafeEqual(digest(given), digest(expected))
}
