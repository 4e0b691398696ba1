import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { StackError } from '../src/errors.ts'
import { loadLocalSecrets, SECRET_NAMES } from '../src/secrets.ts'

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
  assert.equal(loadLocalSecrets(home, { RIPPLE_JWT_SECRET: own }).JWT_SECRET, own)
  assert.notEqual(JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8')).JWT_SECRET, own, 'an override is never written down')
  assert.throws(() => loadLocalSecrets(home, { RIPPLE_ADMIN_KEY: 'short' }), (err: unknown) => err instanceof StackError && /RIPPLE_ADMIN_KEY/.test(err.message))
  writeFileSync(join(home, 'secrets.json'), '{"JWT_SECRET": 1}')
  assert.throws(() => loadLocalSecrets(home, {}), (err: unknown) => err instanceof StackError && /delete it/.test(err.message))
})
