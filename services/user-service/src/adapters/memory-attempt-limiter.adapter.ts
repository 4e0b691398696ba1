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

export interface ProgressiveDelayOptions {
  /** The wait after the first failure; each further consecutive failure doubles it... */
  baseSeconds: number
  /** ...up to this. */
  maxSeconds: number
  /** Consecutive failures are forgotten this long after the last one. */
  forgetAfterSeconds: number
  maxKeys?: number
  now?: () => number
}

interface DelayEntry { failures: number, until: number, lastFailure: number }

/**
 * Failed attempts slow the next one instead of locking anything: after k consecutive failures of a
 * key the next attempt waits baseSeconds·2^(k−1), capped at maxSeconds. Nothing stays shut: once
 * the wait has passed, the right password works, so failing on purpose can only slow the failer's
 * own key down (callers key it by account and client). An attempt made while waiting is refused
 * without being tried, and does not lengthen the wait. In this process's memory, bounded like
 * createMemoryAttemptLimiter.
 */
export function createProgressiveDelayLimiter ({ baseSeconds, maxSeconds, forgetAfterSeconds, maxKeys = 100_000, now = Date.now }: ProgressiveDelayOptions): AttemptLimiter {
  const entries = new Map<string, DelayEntry>()

  const live = (key: string): DelayEntry | undefined => {
    const entry = entries.get(key)
    if (entry && entry.lastFailure + forgetAfterSeconds * 1000 <= now()) {
      entries.delete(key)
      return undefined
    }
    return entry
  }

  return {
    blockedFor (key) {
      const entry = live(key)
      return entry && entry.until > now() ? Math.max(1, Math.ceil((entry.until - now()) / 1000)) : 0
    },

    fail (key) {
      const entry = live(key) ?? { failures: 0, until: 0, lastFailure: 0 }
      entries.delete(key) // re-inserted below: Map order is then oldest-touched first
      entry.failures++
      entry.lastFailure = now()
      // 2^(k−1) stops growing long before it could overflow: the cap is reached within ~20 doublings.
      const wait = Math.min(maxSeconds, baseSeconds * 2 ** Math.min(entry.failures - 1, 30))
      entry.until = now() + wait * 1000
      entries.set(key, entry)
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
