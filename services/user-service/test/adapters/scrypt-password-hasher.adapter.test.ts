import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createScryptPasswordHasher, SCRYPT_DEFAULTS } from '../../src/adapters/scrypt-password-hasher.adapter.ts'

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

  it('needs a rehash for a hash made with a lower N, other r or p, or in a foreign format; not for its own', async () => {
    assert.equal(hasher.needsRehash(await hasher.hash('correct horse')), false)
    const stronger = createScryptPasswordHasher({ N: 2048, r: 8, p: 1 })
    assert.equal(stronger.needsRehash(await hasher.hash('correct horse')), true)
    assert.equal(createScryptPasswordHasher({ N: 1024, r: 8, p: 2 }).needsRehash(await hasher.hash('x')), true)
    assert.equal(hasher.needsRehash('plain text'), true)
  })

  it('refuses a stored hash whose parameters would cost too much (N above 2^20) or are not scrypt\'s', async () => {
    const [, , r, p, salt, hash] = (await hasher.hash('correct horse')).split('$')
    for (const N of [2 ** 21, 1000, 0, -1]) assert.equal(await hasher.verify('correct horse', ['scrypt', N, r, p, salt, hash].join('$')), false, `N=${N}`)
  })

  it('the service\'s parameters are OWASP\'s: N=2^17, r=8, p=1, and Node accepts them (maxmem); reports the time of one hash', async t => {
    assert.deepEqual(SCRYPT_DEFAULTS, { N: 2 ** 17, r: 8, p: 1 })
    const service = createScryptPasswordHasher()
    const started = performance.now()
    const stored = await service.hash('correct horse')
    const hashMs = performance.now() - started
    assert.match(stored, /^scrypt\$131072\$8\$1\$/)
    const verifyStarted = performance.now()
    assert.equal(await service.verify('correct horse', stored), true)
    t.diagnostic(`N=2^17 r=8 p=1: hash ${hashMs.toFixed(0)} ms, verify ${(performance.now() - verifyStarted).toFixed(0)} ms`)
    // An old (N=2^14) hash still verifies under the new hasher, and is due for an upgrade.
    const old = await createScryptPasswordHasher({ N: 2 ** 14 }).hash('correct horse')
    assert.equal(await service.verify('correct horse', old), true)
    assert.equal(service.needsRehash(old), true)
  })
})
