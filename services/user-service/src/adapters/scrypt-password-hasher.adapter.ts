import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import type { BinaryLike, ScryptOptions } from 'node:crypto'
import type { PasswordHasher } from '../ports/password-hasher.port.ts'

const scryptAsync = (password: BinaryLike, salt: BinaryLike, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scrypt(password, salt, keylen, options, (e, key) => e ? reject(e) : resolve(key)))

const KEY_LENGTH = 64

/**
 * scrypt with a random 16-byte salt, stored as `scrypt$N$r$p$salt$hash` (base64): the cost
 * parameters travel with each hash, so raising them later still verifies old passwords.
 */
export function createScryptPasswordHasher ({ N = 16384, r = 8, p = 1 } = {}): PasswordHasher {
  return {
    async hash (password) {
      const salt = randomBytes(16)
      const key = await scryptAsync(password, salt, KEY_LENGTH, { N, r, p })
      return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$')
    },

    async verify (password, stored) {
      const [scheme, n, rr, pp, salt, hash] = stored.split('$')
      if (scheme !== 'scrypt' || !salt || !hash) return false
      const expected = Buffer.from(hash, 'base64')
      const options = { N: Number(n), r: Number(rr), p: Number(pp), maxmem: 256 * 1024 * 1024 }
      const key = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, options)
      return timingSafeEqual(key, expected)
    }
  }
}
