import assert from 'node:assert/strict'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { accessTokenConfigSchema, createAccessTokens, loadConfig } from '@ripple/kit'
import type { AccessTokens } from '@ripple/kit'
import { SignJWT, UnsecuredJWT } from 'jose'
import type { z } from 'zod'

/**
 * A service's config for a test against the running stack: the stack's addresses from the
 * environment (`./ripple test` passes them), a free port, quiet logs (TEST_LOG_LEVEL to see them),
 * and the test's own overrides (its topics, groups, scratch database, short backoffs).
 */
export function testConfig<S extends z.ZodType> (schema: S, overrides: Record<string, string> = {}): z.infer<S> {
  return loadConfig(schema, { ...process.env, PORT: '0', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...overrides })
}

// The body is whatever JSON the service answered; each test asserts the shape it expects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface JsonAnswer { status: number, headers: Headers, body: any }

export interface CallOptions {
  /** Sent as the body instead of JSON.stringify(body), for malformed-JSON tests. */
  raw?: string
  /** An access token, sent as `Authorization: Bearer <token>`. */
  token?: string
  headers?: Record<string, string>
}

/** One HTTP call with a JSON body, answered with its status, headers and parsed body. */
export async function callJson (url: string, method: string, body?: unknown, options: CallOptions = {}): Promise<JsonAnswer> {
  const { raw, token } = options
  const res = await fetch(url, {
    method,
    headers: {
      ...(body === undefined && raw === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...options.headers
    },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body))
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined }
}

/** Asserts the kit's error answer: the status, a JSON `{ error, message, field }` naming the field at fault. */
export function assertJsonError (res: { status: number, body: unknown }, status: number, field: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body))
  const body = res.body as { error?: unknown, message?: unknown, field?: unknown }
  assert.equal(typeof body.error, 'string')
  assert.equal(typeof body.message, 'string')
  assert.equal(body.field, field)
}

/** Signs in at user-service (`POST /auth/token`) as a user, by username or email, and answers the access token. */
export async function signIn (userServiceUrl: string, login: { username: string } | { email: string }, password: string): Promise<string> {
  const res = await callJson(`${userServiceUrl}/auth/token`, 'POST', { ...login, password })
  assert.equal(res.status, 200, `sign-in failed: ${JSON.stringify(res.body)}`)
  return res.body.accessToken as string
}

/** An admin access token from user-service, for the admin key in the environment (`./ripple test` passes ADMIN_KEY). */
export async function adminToken (userServiceUrl: string, adminKey = process.env.ADMIN_KEY): Promise<string> {
  assert.ok(adminKey, 'ADMIN_KEY is not set: run the tests through ./ripple test')
  const res = await callJson(`${userServiceUrl}/auth/token`, 'POST', { adminKey })
  assert.equal(res.status, 200, `admin sign-in failed: ${JSON.stringify(res.body)}`)
  return res.body.accessToken as string
}

let stackTokens: AccessTokens | undefined
/** The stack's own signer: user-service's private key, which `./ripple test` passes as JWT_PRIVATE_KEY (tests only; no other service gets it). */
const stackSigner = (): AccessTokens => {
  stackTokens ??= createAccessTokens(loadConfig(accessTokenConfigSchema, process.env))
  return stackTokens
}

/**
 * An access token for a user id, signed with user-service's private key from the environment,
 * for a service's own tests that need a caller without running user-service (end-to-end tests
 * sign in instead).
 */
export async function testAccessToken (userId: string): Promise<string> {
  return (await stackSigner().issue({ role: 'user', userId })).accessToken
}

/** An admin token signed as user-service signs one after an admin-key sign-in, for services' own tests. */
export async function testAdminToken (): Promise<string> {
  return (await stackSigner().issue({ role: 'admin' })).accessToken
}

/**
 * Tokens for `userId` (and admin ones) that no service may accept, each with every claim a real
 * token has: signed with another Ed25519 key, HS256 with a secret of the old kind (a 43-character
 * random string), and unsigned (`alg: none`).
 */
export async function forgedTokens (userId: string): Promise<Record<string, string>> {
  const now = Math.floor(Date.now() / 1000)
  const claims = (role: 'user' | 'admin') => ({ role, iat_ms: Date.now(), ...(role === 'user' ? { sub: userId } : {}) })
  const signed = (role: 'user' | 'admin') => new SignJWT(claims(role)).setIssuer('ripple').setAudience('ripple-api').setIssuedAt(now).setExpirationTime(now + 600)
  const otherKey = generateKeyPairSync('ed25519').privateKey
  const oldSecret = new TextEncoder().encode(randomBytes(32).toString('base64url'))
  const forged: Record<string, string> = {}
  for (const role of ['user', 'admin'] as const) {
    forged[`${role}, another Ed25519 key`] = await signed(role).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' }).sign(otherKey)
    forged[`${role}, HS256 with an old-style secret`] = await signed(role).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(oldSecret)
    forged[`${role}, alg none`] = new UnsecuredJWT(claims(role)).setIssuer('ripple').setAudience('ripple-api').setIssuedAt(now).setExpirationTime(now + 600).encode()
  }
  return forged
}

/**
 * A change event of userdata.users as the stack's connector writes it (JsonConverter without
 * schemas, ids in hex, DATETIME(6) as microseconds), for a service's own tests of what it learns
 * from user changes; the password column is never captured.
 */
export function userChangeRecord (topic: string, change: { op: 'c' | 'u' | 'd', userId: string, passwordChangedAt: Date | null }): { topic: string, key: string, value: string } {
  const hex = change.userId.replaceAll('-', '')
  const row = {
    id: hex,
    username: `user-${hex.slice(0, 8)}`,
    email: `user-${hex.slice(0, 8)}@example.com`,
    fullName: null,
    dateOfBirth: null,
    address: null,
    createdAt: 1_767_225_600_000_000,
    lastUpdated: Date.now() * 1000,
    status: 'Confirmed',
    passwordChangedAt: change.passwordChangedAt === null ? null : change.passwordChangedAt.getTime() * 1000
  }
  const source = { version: '3.2.0.Final', connector: 'mariadb', name: 'cdc.table', ts_ms: Date.now(), snapshot: 'false', db: 'userdata', table: 'users', server_id: 1, file: 'mysql-bin.000001', pos: 4, row: 0 }
  const images = change.op === 'd' ? { before: row, after: null } : { before: change.op === 'u' ? { ...row, passwordChangedAt: null } : null, after: row }
  return { topic, key: JSON.stringify({ id: hex }), value: JSON.stringify({ ...images, source, op: change.op, ts_ms: Date.now() }) }
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * The spellings of a JWS that decode to the same bytes: the last base64url character of its
 * signature carries spare low bits (2 for a 32-byte HMAC, 4 for a 64-byte signature), and a
 * decoder ignores them, so each value of those bits is another string for the same token.
 * The token itself comes first.
 */
export function base64urlSpellings (jws: string): string[] {
  const signature = jws.slice(jws.lastIndexOf('.') + 1)
  const spare = (6 * signature.length - 8 * Buffer.from(signature, 'base64url').length)
  const last = BASE64URL.indexOf(signature.at(-1)!)
  const base = last & ~((1 << spare) - 1)
  const others = Array.from({ length: 1 << spare }, (_, i) => base + i).filter(i => i !== last)
  return [jws, ...others.map(i => jws.slice(0, -1) + BASE64URL[i])]
}
