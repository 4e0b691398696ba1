import type { AttemptLimiter } from '../ports/attempt-limiter.port.ts'

export interface MemoryAttemptLimiterOptions {
  /** Failures a key may have within the window; the next attempt is refused until the window ends. */
  maxFailures: number
  windowSeconds: number
  /** Keys kept at most; past it the oldest are forgotten, so a flood of names cannot grow memory without bound. */
  maxKeys?: number
  now?: () => number
}

interface Entry { failures: number, until: number }

/**
 * Failed-attempt counting in this process's memory. Why not a library: @fastify/rate-limit
 * (maintained) counts every request of a route, successes included, and has no "count only
 * failures" mode, so a user signing in often, or a test suite signing in hundreds of users from
 * 127.0.0.1, would be refused; what a lockout needs is a counter of failures per account and per
 * address, which is this small map. Each key gets a window from its first failure; reaching
 * `maxFailures` blocks it for `windowSeconds` from the last failure. One instance of user-service
 * runs per stack; several replicas would each count their own (a shared store is then the fix).
 */
export function createMemoryAttemptLimiter ({ maxFailures, windowSeconds, maxKeys = 100_000, now = Date.now }: MemoryAttemptLimiterOptions): AttemptLimiter {
  const entries = new Map<string, Entry>()
  const windowMs = windowSeconds * 1000

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key)
    if (entry && entry.until <= now()) {
      entries.delete(key)
      return undefined
    }
    return entry
  }

  return {
    blockedFor (key) {
      const entry = live(key)
      return entry && entry.failures >= maxFailures ? Math.max(1, Math.ceil((entry.until - now()) / 1000)) : 0
    },

    fail (key) {
      const entry = live(key)
      if (entry) {
        entries.delete(key) // re-inserted below: Map order is then oldest-touched first
        entry.failures++
        if (entry.failures >= maxFailures) entry.until = now() + windowMs
        entries.set(key, entry)
      } else {
        entries.set(key, { failures: 1, until: now() + windowMs })
      }
      while (entries.size > maxKeys) {
        const oldest = entries.keys().next().value
        if (oldest === undefined) break
        entries.delete(oldest)
      }
    },

    reset (key) {
      entries.delete(key)
    }
  }
}
