import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createScryptPasswordHasher } from '../../src/adapters/scrypt-password-hasher.adapter.ts'

describe('scrypt password hasher', () => {
  // Low cost keeps the test quick; the format and the checks are the same.
  const hasher = createScryptPasswordHasher({ N: 1024, r: 8, p: 1 })

  it('stores scrypt$N$r$p$salt$hash with a 16-byte salt and a 64-byte key', async () => {
    const stored = await hasher.hash('correct horse')
    const [scheme, n, r, p, salt, hash, ...rest] = stored.split('$')
    assert.deepEqual([scheme, n, r, p, rest.length], ['scrypt', '1024', '8', '1', 0])
    assert.equal(Buffer.from(salt!, 'base64').length, 16)
    assert.equal(Buffer.from(hash!, 'base64').length, 64)
    assert.ok(!stored.includes('correct horse'))
  })

  it('salts every hash, so one password hashes differently each time', async () => {
    assert.notEqual(await hasher.hash('correct horse'), await hasher.hash('correct horse'))
  })

  it('verifies the right password and refuses a wrong one or a foreign format', async () => {
    const stored = await hasher.hash('correct horse')
    assert.equal(await hasher.verify('correct horse', stored), true)
    assert.equal(await hasher.verify('correct horsf', stored), false)
    assert.equal(await hasher.verify('correct horse', 'correct horse'), false)
  })

  it('verifies with the parameters stored in the hash, not its own', async () => {
    const stored = await hasher.hash('correct horse')
    assert.equal(await createScryptPasswordHasher({ N: 2048 }).verify('correct horse', stored), true)
  })
})
