import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InvalidInputError } from '../../src/errors/ripple.error.ts'
import { decodeUserTokenState, isTokenRevoked } from '../../src/auth/token-revocation.ts'

const id = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'
const hex = id.replaceAll('-', '')
const source = { ts_ms: 1, db: 'userdata', table: 'users', file: 'mysql-bin.000001', pos: 4 }
const row = (passwordChangedAt: number | null) => ({ id: hex, email: 'a@example.com', passwordChangedAt })

test('a users change event says when the password last changed (µs to ms) and whether the account is gone', () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678)
  assert.deepEqual(decodeUserTokenState(JSON.stringify({ op: 'u', before: row(null), after: row(at * 1000 + 999), source })), { userId: id, passwordChangedAtMs: at, deleted: false })
  assert.deepEqual(decodeUserTokenState(JSON.stringify({ op: 'c', before: null, after: row(null), source })), { userId: id, passwordChangedAtMs: null, deleted: false })
  assert.deepEqual(decodeUserTokenState(JSON.stringify({ op: 'd', before: row(null), after: null, source })), { userId: id, passwordChangedAtMs: null, deleted: true })
  // With schemas on, and the id as base64 (JsonConverter's bytes) or a UUID already.
  const base64 = Buffer.from(hex, 'hex').toString('base64')
  assert.equal(decodeUserTokenState(JSON.stringify({ schema: {}, payload: { op: 'r', after: { ...row(null), id: base64 }, source } }))?.userId, id)
  assert.equal(decodeUserTokenState(JSON.stringify({ op: 'r', after: { ...row(null), id: id.toUpperCase() }, source }))?.userId, id)
  assert.equal(decodeUserTokenState(null), undefined, 'a tombstone')
  assert.equal(decodeUserTokenState(JSON.stringify({ op: 't', source })), undefined, 'a truncate names no user')
})

test('a malformed event is an InvalidInputError naming what is wrong (dead-lettered)', () => {
  assert.throws(() => decodeUserTokenState('{'), InvalidInputError)
  assert.throws(() => decodeUserTokenState(JSON.stringify({ op: 'u', after: { ...row(null), id: 'x' }, source })), (e: unknown) => e instanceof InvalidInputError && e.field === 'id')
  assert.throws(() => decodeUserTokenState(JSON.stringify({ op: 'u', after: { ...row(null), passwordChangedAt: true }, source })), (e: unknown) => e instanceof InvalidInputError && e.field === 'passwordChangedAt')
})

test('a user token is revoked by a later password change or a deletion; an admin token by neither', () => {
  const user = { role: 'user' as const, userId: id, issuedAtMs: 1000 }
  assert.equal(isTokenRevoked(user, undefined), false, 'nothing known')
  assert.equal(isTokenRevoked(user, { passwordChangedAtMs: null, deleted: false }), false)
  assert.equal(isTokenRevoked(user, { passwordChangedAtMs: 999, deleted: false }), false, 'changed before it was signed')
  assert.equal(isTokenRevoked(user, { passwordChangedAtMs: 1001, deleted: false }), true, 'changed after')
  assert.equal(isTokenRevoked(user, { passwordChangedAtMs: null, deleted: true }), true, 'account deleted')
  assert.equal(isTokenRevoked({ role: 'admin', issuedAtMs: 0 }, { passwordChangedAtMs: 5, deleted: true }), false)
})
