import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import type { BinaryLike, ScryptOptions } from 'node:crypto'
import type { PasswordHasher } from '../ports/password-hasher.port.ts'

const scryptAsync = (password: BinaryLike, salt: BinaryLike, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scrypt(password, salt, keylen, options, (e, key) => e ? reject(e) : resolve(key)))

const KEY_LENGTH = 64

/** OWASP's scrypt floor (2023): N=2^17, r=8, p=1, which takes 128·N·r = 128 MiB per hash. */
export const SCRYPT_DEFAULTS = { N: 2 ** 17, r: 8, p: 1 }

// The largest N a stored hash may ask for: a corrupt or planted hash must not make one verify
// allocate gigabytes (2^20 with r=8 is 1 GiB).
const MAX_N = 2 ** 20

/** scrypt's memory need, with room for its bookkeeping: Node refuses above `maxmem` (32 MiB by default, less than N=2^17 needs). */
const maxmemFor = (N: number, r: number, p: number) => 128 * N * r + 128 * r * p + 1024 * 1024

interface Parsed { N: number, r: number, p: number, salt: Buffer, hash: Buffer }

function parse (stored: string): Parsed | undefined {
  const [scheme, n, rr, pp, salt, hash, ...rest] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !hash || rest.length > 0) return undefined
  const [N, r, p] = [Number(n), Number(rr), Number(pp)]
  const power = Number.isInteger(N) && N > 1 && N <= MAX_N && (N & (N - 1)) === 0
  if (!power || !Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16) return undefined
  return { N, r, p, salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') }
}

/**
 * scrypt with a random 16-byte salt, stored as `scrypt$N$r$p$salt$hash` (base64): the cost
 * parameters travel with each hash, so a hash made under older parameters (N=2^14 before) still
 * verifies, and `needsRehash` tells the sign-in to replace it with one under today's.
 */
export function createScryptPasswordHasher ({ N = SCRYPT_DEFAULTS.N, r = SCRYPT_DEFAULTS.r, p = SCRYPT_DEFAULTS.p } = {}): PasswordHasher {
  return {
    async hash (password) {
      const salt = randomBytes(16)
      const key = await scryptAsync(password, salt, KEY_LENGTH, { N, r, p, maxmem: maxmemFor(N, r, p) })
      return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$')
    },

    async verify (password, stored) {
      const parsed = parse(stored)
      if (!parsed || parsed.hash.length === 0) return false
      const key = await scryptAsync(password, parsed.salt, parsed.hash.length, { N: parsed.N, r: parsed.r, p: parsed.p, maxmem: maxmemFor(parsed.N, parsed.r, parsed.p) })
      return timingSafeEqual(key, parsed.hash)
    },

    needsRehash (stored) {
      const parsed = parse(stored)
      return !parsed || parsed.N < N || parsed.r !== r || parsed.p !== p || parsed.hash.length !== KEY_LENGTH
    }
  }
}
