import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SignJWT, UnsecuredJWT } from 'jose'
import { createAccessTokens, requireAdmin, requireOwner, sameSecret } from '../../src/auth/access-token.ts'
import { createConfirmationTokens } from '../../src/auth/confirmation-token.ts'
import { HttpError } from '../../src/http/http-server.ts'

const secret = 's'.repeat(40)
const tokens = createAccessTokens({ JWT_SECRET: secret, JWT_TTL_SECONDS: 60 })

test('a user token and an admin token verify back to their callers', async () => {
  const before = Date.now()
  const issued = await tokens.issue({ role: 'user', userId: 'u-1' })
  assert.equal(issued.tokenType, 'Bearer')
  assert.equal(issued.expiresIn, 60)
  const caller = await tokens.verify(issued.accessToken)
  assert.deepEqual({ ...caller, issuedAtMs: undefined }, { role: 'user', userId: 'u-1', issuedAtMs: undefined })
  assert.ok(caller?.issuedAtMs !== undefined && caller.issuedAtMs >= before && caller.issuedAtMs <= Date.now(), 'signed now, to the millisecond')
  assert.equal((await tokens.verify((await tokens.issue({ role: 'admin' })).accessToken))?.role, 'admin')
})

test('forged, unsigned, expired, foreign and malformed tokens are refused', async () => {
  const { accessToken } = await tokens.issue({ role: 'user', userId: 'u-1' })
  const [head, , sig] = accessToken.split('.')
  const claims = Buffer.from(JSON.stringify({ role: 'admin', iss: 'ripple', aud: 'ripple-api', exp: 9_999_999_999 })).toString('base64url')
  assert.equal(await tokens.verify(`${head}.${claims}.${sig}`), undefined, 'claims changed under the signature')
  const unsigned = new UnsecuredJWT({ role: 'admin' }).setIssuer('ripple').setAudience('ripple-api').setExpirationTime('1h').encode()
  assert.equal(await tokens.verify(unsigned), undefined, 'alg none')
  const otherKey = await createAccessTokens({ JWT_SECRET: 'o'.repeat(40), JWT_TTL_SECONDS: 60 }).issue({ role: 'admin' })
  assert.equal(await tokens.verify(otherKey.accessToken), undefined, 'signed with another secret')
  const expired = await new SignJWT({ role: 'user' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u-1').setIssuer('ripple').setAudience('ripple-api')
    .setExpirationTime(Math.floor(Date.now() / 1000) - 120).sign(new TextEncoder().encode(secret))
  assert.equal(await tokens.verify(expired), undefined, 'expired')
  assert.equal(await tokens.verify('not.a.jwt'), undefined)
})

test('owner and admin checks answer 403 for another caller', () => {
  assert.doesNotThrow(() => requireOwner({ role: 'user', userId: 'a' }, 'a'))
  assert.doesNotThrow(() => requireOwner({ role: 'admin' }, 'a'))
  assert.throws(() => requireOwner({ role: 'user', userId: 'b' }, 'a'), (e: unknown) => e instanceof HttpError && e.statusCode === 403)
  assert.throws(() => requireAdmin({ role: 'user', userId: 'a' }), (e: unknown) => e instanceof HttpError && e.statusCode === 403)
  assert.equal(sameSecret('k'.repeat(32), 'k'.repeat(32)), true)
  assert.equal(sameSecret('k', 'k'.repeat(32)), false)
})

test('a confirmation token names its user and address, and no access token passes for one', async () => {
  const confirmations = createConfirmationTokens({ CONFIRMATION_SECRET: 'c'.repeat(40), CONFIRMATION_TTL_SECONDS: 3600 })
  const token = await confirmations.mint({ userId: 'u-1', email: 'a@example.com' })
  const verified = await confirmations.verify(token)
  assert.deepEqual({ ...verified, tokenId: undefined }, { userId: 'u-1', email: 'a@example.com', tokenId: undefined })
  assert.match(verified?.tokenId ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a random jti')
  assert.notEqual((await confirmations.verify(await confirmations.mint({ userId: 'u-1', email: 'a@example.com' })))?.tokenId, verified?.tokenId, 'each link its own identity')
  assert.equal(await tokens.verify(token), undefined)
  const sameKeyTokens = createAccessTokens({ JWT_SECRET: 'c'.repeat(40), JWT_TTL_SECONDS: 60 })
  assert.equal(await confirmations.verify((await sameKeyTokens.issue({ role: 'admin' })).accessToken), undefined, 'audiences keep the two apart even under one key')
})
