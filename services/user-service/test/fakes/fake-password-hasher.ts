import type { PasswordHasher } from '../../src/ports/password-hasher.port.ts'

/** Reversible on purpose: tests can see which password a stored hash came from. */
export const fakeHasher: PasswordHasher = {
  hash: async password => `hashed:${password}`,
  verify: async (password, stored) => stored === `hashed:${password}`
}
