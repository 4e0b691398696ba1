import assert from 'node:assert/strict'
import { test } from 'node:test'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { SignJWT, UnsecuredJWT } from 'jose'
import { loadConfig } from '../../src/config/config.ts'
import {
  accessTokenConfigSchema, accessTokenVerifierConfigSchema, createAccessTokens, createAccessTokenVerifier, generateAccessTokenKeyPair, importPrivateKey, requireAdmin, requireOwner, sameSecret
} from '../../src/auth/access-token.ts'
import { createConfirmationTokens } from '../../src/auth/confirmation-token.ts'
import { HttpError } from '../../src/http/http-server.ts'

const keys = generateAccessTokenKeyPair()
const tokens = createAccessTokens({ JWT_PRIVATE_KEY: keys.privateKey, JWT_TTL_SECONDS: 60 })
const verifier = createAccessTokenVerifier({ JWT_PUBLIC_KEY: keys.publicKey })

test('a user token and an admin token verify back to their callers', async () => {
  const before = Date.now()
  const issued = await tokens.issue({ role: 'user', userId: 'u-1' })
  assert.equal(issued.tokenType, 'Bearer')
  assert.equal(issued.expiresIn, 60)
  const caller = await tokens.verify(issued.accessToken)
  assert.deepEqual({ ...caller, issuedAtMs: undefined }, { role: 'user', userId: 'u-1', issuedAtMs: undefined })
  assert.ok(caller?.issuedAtMs !== undefined && caller.issuedAtMs >= before && caller.issuedAtMs <= Date.now(), 'signed now, to the millisecond')
  assert.equal((await tokens.verify((await tokens.issue({ role: 'admin' })).accessToken))?.role, 'admin')
  const [header] = issued.accessToken.split('.')
  assert.deepEqual(JSON.parse(Buffer.from(header!, 'base64url').toString()), { alg: 'EdDSA', typ: 'JWT' })
})

test('the public key alone verifies a token the private key signed, and cannot sign one', async () => {
  const issued = await tokens.issue({ role: 'user', userId: 'u-2' })
  assert.equal((await verifier.verify(issued.accessToken))?.role, 'user')
  assert.equal('issue' in verifier, false)
  assert.equal(await createAccessTokenVerifier({ JWT_PUBLIC_KEY: generateAccessTokenKeyPair().publicKey }).verify(issued.accessToken), undefined, 'another public key')
})

test('keys load as base64url DER or PEM; anything but Ed25519 is refused at config time, naming the variable', () => {
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
  assert.equal(importPrivateKey(pem).asymmetricKeyType, 'ed25519')
  assert.equal(loadConfig(accessTokenVerifierConfigSchema, { JWT_PUBLIC_KEY: keys.publicKey }).JWT_PUBLIC_KEY, keys.publicKey)
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }).toString()
  for (const JWT_PUBLIC_KEY of [rsa, 's'.repeat(40), keys.privateKey]) {
    assert.throws(() => loadConfig(accessTokenVerifierConfigSchema, { JWT_PUBLIC_KEY }), /JWT_PUBLIC_KEY/)
  }
  assert.throws(() => loadConfig(accessTokenConfigSchema, { JWT_PRIVATE_KEY: keys.publicKey }), /JWT_PRIVATE_KEY/)
  assert.throws(() => loadConfig(accessTokenVerifierConfigSchema, {}), /JWT_PUBLIC_KEY/)
})

test('forged, unsigned, expired, foreign and malformed tokens are refused', async () => {
  const { accessToken } = await tokens.issue({ role: 'user', userId: 'u-1' })
  const [head, , sig] = accessToken.split('.')
  const claims = Buffer.from(JSON.stringify({ role: 'admin', iss: 'ripple', aud: 'ripple-api', exp: 9_999_999_999 })).toString('base64url')
  assert.equal(await tokens.verify(`${head}.${claims}.${sig}`), undefined, 'claims changed under the signature')
  const unsigned = new UnsecuredJWT({ role: 'admin' }).setIssuer('ripple').setAudience('ripple-api').setExpirationTime('1h').encode()
  assert.equal(await tokens.verify(unsigned), undefined, 'alg none')
  const otherKey = await createAccessTokens({ JWT_PRIVATE_KEY: generateAccessTokenKeyPair().privateKey, JWT_TTL_SECONDS: 60 }).issue({ role: 'admin' })
  assert.equal(await tokens.verify(otherKey.accessToken), undefined, 'signed with another Ed25519 key')
  assert.equal(await verifier.verify(otherKey.accessToken), undefined, 'signed with another Ed25519 key')
  const hs256 = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('ripple').setAudience('ripple-api').setExpirationTime('1h')
    .sign(new TextEncoder().encode(randomBytes(32).toString('base64url')))
  assert.equal(await verifier.verify(hs256), undefined, 'HS256 with a secret of the old kind')
  // The classic confusion: HS256 keyed with the public key's own bytes, which every verifier holds.
  const confused = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('ripple').setAudience('ripple-api').setExpirationTime('1h')
    .sign(new TextEncoder().encode(keys.publicKey))
  assert.equal(await verifier.verify(confused), undefined, 'HS256 keyed with the public key')
  const expired = await new SignJWT({ role: 'user' }).setProtectedHeader({ alg: 'EdDSA' }).setSubject('u-1').setIssuer('ripple').setAudience('ripple-api')
    .setExpirationTime(Math.floor(Date.now() / 1000) - 120).sign(importPrivateKey(keys.privateKey))
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
  assert.equal(await confirmations.verify((await tokens.issue({ role: 'admin' })).accessToken), undefined, 'an access token is no confirmation token')
})
