import assert from 'node:assert/strict'
import { loadConfig } from '@ripple/kit'
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

/** One HTTP call with a JSON body (or `raw` text as JSON), answered with its status, headers and parsed body. */
export async function callJson (url: string, method: string, body?: unknown, raw?: string): Promise<JsonAnswer> {
  const res = await fetch(url, {
    method,
    headers: body === undefined && raw === undefined ? {} : { 'content-type': 'application/json' },
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
