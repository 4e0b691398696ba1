import { createPrivateKey, createPublicKey, generateKeyPairSync, timingSafeEqual, createHash } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { SignJWT, jwtVerify } from 'jose'
import type { FastifyRequest } from 'fastify'
import { z } from 'zod'
import { HttpError } from '../http/http-server.ts'

/**
 * Access tokens: EdDSA (Ed25519) JWTs (jose). user-service alone holds the private key and signs
 * them at sign-in; every other service that acts for a user holds only the public key, so it can
 * check a token but never mint one. A token says who the caller is (`sub`, a user id) and whether
 * it is an operator (`role: admin`, issued only for the admin key).
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

export interface AccessTokenVerifier {
  /** The caller a token stands for, or undefined for a forged, expired or malformed one. */
  verify (token: string): Promise<Caller | undefined>
}

export interface AccessTokens extends AccessTokenVerifier {
  issue (caller: Caller): Promise<IssuedToken>
}

const ISSUER = 'ripple'
const AUDIENCE = 'ripple-api'
const ALGORITHM = 'EdDSA'

/**
 * A key as the stack passes it: PEM, or its DER (PKCS#8 for the private key, SPKI for the public
 * one) in base64url on one line, which fits an .env file or a Kubernetes Secret as is.
 */
const isPem = (text: string) => text.trim().startsWith('-----BEGIN')
const der = (text: string) => Buffer.from(text.trim(), 'base64url')

function ed25519 (key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`an Ed25519 key is required, not ${key.asymmetricKeyType ?? 'a secret key'}`)
  return key
}

/** The Ed25519 private key in a setting, or an error naming what is wrong with it. */
export function importPrivateKey (text: string): KeyObject {
  return ed25519(isPem(text) ? createPrivateKey({ key: text.trim(), format: 'pem' }) : createPrivateKey({ key: der(text), format: 'der', type: 'pkcs8' }))
}

/** The Ed25519 public key in a setting, or an error naming what is wrong with it. */
export function importPublicKey (text: string): KeyObject {
  return ed25519(isPem(text) ? createPublicKey({ key: text.trim(), format: 'pem' }) : createPublicKey({ key: der(text), format: 'der', type: 'spki' }))
}

/** A new signing key pair, each in the one-line form the settings take. */
export function generateAccessTokenKeyPair (): { privateKey: string, publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64url'),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64url')
  }
}

/** The public key of a private key setting, in the one-line form JWT_PUBLIC_KEY takes. */
export function publicKeyOf (privateKey: string): string {
  return createPublicKey(importPrivateKey(privateKey)).export({ format: 'der', type: 'spki' }).toString('base64url')
}

const keySetting = (importKey: (text: string) => KeyObject) => z.string().min(32, 'at least 32 characters').superRefine((text, ctx) => {
  try {
    importKey(text)
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not an Ed25519 key in PEM or base64url DER: ${(error as Error).message}` })
  }
})

/** The settings of a service that verifies access tokens: user-service's public key only. */
export const accessTokenVerifierConfigSchema = z.object({
  // No default on purpose: `./ripple up` passes the stack's; a service run by hand names the variable it lacks.
  JWT_PUBLIC_KEY: keySetting(importPublicKey)
})
export type AccessTokenVerifierConfig = z.infer<typeof accessTokenVerifierConfigSchema>

/** The settings of the service that issues access tokens (user-service): the private key, which also gives the public one. */
export const accessTokenConfigSchema = z.object({
  JWT_PRIVATE_KEY: keySetting(importPrivateKey),
  JWT_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900)
})
export type AccessTokenConfig = z.infer<typeof accessTokenConfigSchema>

function verifierOf (key: KeyObject): AccessTokenVerifier {
  return {
    async verify (token) {
      try {
        // The algorithm is pinned: a token claiming `none`, HS256 or anything else is refused before its signature is looked at.
        const { payload } = await jwtVerify(token, key, { algorithms: [ALGORITHM], issuer: ISSUER, audience: AUDIENCE })
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

/** Checks tokens with the public key, imported once here rather than per request. */
export function createAccessTokenVerifier (config: AccessTokenVerifierConfig): AccessTokenVerifier {
  return verifierOf(importPublicKey(config.JWT_PUBLIC_KEY))
}

/** Issues tokens with the private key and checks them with its public half; both keys imported once. */
export function createAccessTokens (config: AccessTokenConfig): AccessTokens {
  const privateKey = importPrivateKey(config.JWT_PRIVATE_KEY)
  return {
    ...verifierOf(createPublicKey(privateKey)),
    async issue (caller) {
      // JWT's own iat counts seconds; a password change and a sign-in in one second need milliseconds to tell apart.
      const jwt = new SignJWT({ role: caller.role, iat_ms: Date.now() })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${config.JWT_TTL_SECONDS}s`)
      if (caller.role === 'user') jwt.setSubject(caller.userId)
      return { accessToken: await jwt.sign(privateKey), tokenType: 'Bearer', expiresIn: config.JWT_TTL_SECONDS }
    }
  }
}

const unauthorized = (message: string) =>
  new HttpError(401, 'UNAUTHORIZED', message, 'authorization', { 'www-authenticate': 'Bearer realm="ripple"' })

/** The answer to a token that verifies but was revoked (a password change or the account's deletion since it was signed). */
export const tokenRevoked = (message = 'this access token was revoked by a password change or the account\'s deletion: sign in again with POST /auth/token') =>
  new HttpError(401, 'TOKEN_REVOKED', message, 'authorization', { 'www-authenticate': 'Bearer realm="ripple", error="invalid_token"' })

/** The caller of a request from its `Authorization: Bearer …` header; 401 when there is none or it is not valid. */
export async function authenticate (req: FastifyRequest, tokens: AccessTokenVerifier): Promise<Caller> {
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
