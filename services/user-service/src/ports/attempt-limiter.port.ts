/** Counts failed attempts per key (an account, a client address) and refuses a key that failed too often. */
export interface AttemptLimiter {
  /** Seconds until the key may try again, or 0 when it may try now. */
  blockedFor (key: string): number
  /** Records a failure of the key. */
  fail (key: string): void
  /** Forgets the key's failures (after a success). */
  reset (key: string): void
}
