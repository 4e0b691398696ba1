import type { PasswordHasher } from '../../src/ports/password-hasher.port.ts'

/** Reversible on purpose: tests can see which password a stored hash came from. `weak:` hashes are "old parameters", due for a rehash. */
export const fakeHasher: PasswordHasher = {
  hash: async password => `hashed:${password}`,
  verify: async (password, stored) => stored === `hashed:${password}` || stored === `weak:${password}`,
  needsRehash: stored => !stored.startsWith('hashed:')
}
