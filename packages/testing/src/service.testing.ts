import assert from 'node:assert/strict'
import { accessTokenConfigSchema, createAccessTokens, loadConfig } from '@ripple/kit'
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

/**
 * An access token for a user id, signed with the JWT_SECRET of the environment, for a service's
 * own tests that need a caller without running user-service (end-to-end tests sign in instead).
 */
export async function testAccessToken (userId: string): Promise<string> {
  const tokens = createAccessTokens(loadConfig(accessTokenConfigSchema, process.env))
  return (await tokens.issue({ role: 'user', userId })).accessToken
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
