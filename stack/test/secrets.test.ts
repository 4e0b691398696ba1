import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { StackError } from '../src/errors.ts'
import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { importPrivateKey, importPublicKey } from '@ripple/kit'
import { loadLocalSecrets, publicKeysOf, SECRET_NAMES } from '../src/secrets.ts'

test('a fresh home gets random secrets in a file only its owner reads, and keeps them on the next load', () => {
  const home = mkdtempSync(join(tmpdir(), 'ripple-secrets-'))
  const first = loadLocalSecrets(home, {})
  for (const name of SECRET_NAMES) assert.ok(first[name].length >= 32, name)
  assert.equal(new Set(Object.values(first)).size, SECRET_NAMES.length, 'each secret is its own')
  assert.equal(statSync(join(home, 'secrets.json')).mode & 0o777, 0o600)
  assert.deepEqual(loadLocalSecrets(home, {}), first)
  assert.notDeepEqual(loadLocalSecrets(mkdtempSync(join(tmpdir(), 'ripple-secrets-')), {}), first, 'another home, other secrets')
})

test('RIPPLE_<NAME> overrides a generated secret; a short one or a damaged file stops with what to do', () => {
  const home = mkdtempSync(join(tmpdir(), 'ripple-secrets-'))
  const own = 'x'.repeat(40)
  assert.equal(loadLocalSecrets(home, { RIPPLE_ADMIN_KEY: own }).ADMIN_KEY, own)
  assert.notEqual(JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8')).ADMIN_KEY, own, 'an override is never written down')
  assert.throws(() => loadLocalSecrets(home, { RIPPLE_ADMIN_KEY: 'short' }), (err: unknown) => err instanceof StackError && /RIPPLE_ADMIN_KEY/.test(err.message))
  writeFileSync(join(home, 'secrets.json'), '{"ADMIN_KEY": 1}')
  assert.throws(() => loadLocalSecrets(home, {}), (err: unknown) => err instanceof StackError && /delete it/.test(err.message))
})

test('the signing key is an Ed25519 key pair per home: the private key in secrets.json, the public one derived; an override must be Ed25519 too', () => {
  const home = mkdtempSync(join(tmpdir(), 'ripple-secrets-'))
  const secrets = loadLocalSecrets(home, {})
  const privateKey = importPrivateKey(secrets.JWT_PRIVATE_KEY)
  assert.equal(privateKey.asymmetricKeyType, 'ed25519')
  const { JWT_PUBLIC_KEY } = publicKeysOf(secrets)
  assert.ok(importPublicKey(JWT_PUBLIC_KEY).equals(createPublicKey(privateKey)), 'the public key is the private key\'s own')
  assert.notEqual(publicKeysOf(loadLocalSecrets(mkdtempSync(join(tmpdir(), 'ripple-secrets-')), {})).JWT_PUBLIC_KEY, JWT_PUBLIC_KEY, 'another home, another key pair')

  const own = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
  assert.equal(loadLocalSecrets(home, { RIPPLE_JWT_PRIVATE_KEY: own }).JWT_PRIVATE_KEY, own, 'a PEM key is taken as it is')
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
  assert.throws(() => loadLocalSecrets(home, { RIPPLE_JWT_PRIVATE_KEY: rsa }), (err: unknown) => err instanceof StackError && /RIPPLE_JWT_PRIVATE_KEY is not an Ed25519/.test(err.message))
  assert.throws(() => loadLocalSecrets(home, { RIPPLE_JWT_PRIVATE_KEY: 'x'.repeat(40) }), (err: unknown) => err instanceof StackError && /RIPPLE_JWT_PRIVATE_KEY/.test(err.message))
})

test('a home made when tokens were HS256 gets a key pair and loses JWT_SECRET', () => {
  const home = mkdtempSync(join(tmpdir(), 'ripple-secrets-'))
  writeFileSync(join(home, 'secrets.json'), JSON.stringify({ JWT_SECRET: 'j'.repeat(43), ADMIN_KEY: 'a'.repeat(43) }))
  const secrets = loadLocalSecrets(home, {})
  assert.equal(secrets.ADMIN_KEY, 'a'.repeat(43), 'the other secrets are kept')
  assert.equal(importPrivateKey(secrets.JWT_PRIVATE_KEY).asymmetricKeyType, 'ed25519')
  assert.equal(JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8')).JWT_SECRET, undefined)
})
