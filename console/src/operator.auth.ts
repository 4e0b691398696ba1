import { createHash, randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { HttpError, sameSecret } from '@ripple/kit'

/** The console's session cookie: an opaque random id; the session itself lives in this process only. */
export const SESSION_COOKIE = 'ripple_console'

/** The form field (or, from a script, the x-csrf-token header) carrying a write's CSRF token. */
export const CSRF_FIELD = '_csrf'

/** One signed-in operator's session, held server-side (a restart of the console signs everyone out). */
export interface ConsoleSession {
  readonly createdAt: number
  lastSeenAt: number
  /** @fastify/csrf-protection's per-session secret (its `sessionKey`), set when the first form is drawn. */
  _csrf?: string
}

export interface SessionTimeouts {
  /** Ends a session this long after its last request. */
  idleMs: number
  /** Ends a session this long after its sign-in, however busy. */
  maxMs: number
}

/**
 * Sessions by the SHA-256 of their cookie value: 256 random bits each, so they cannot be guessed,
 * and the map holds no value a browser could present. Expired ones are dropped when met and at
 * every sign-in, so the map holds at most the sign-ins of the last `maxMs`.
 */
export class SessionStore {
  readonly timeouts: SessionTimeouts
  readonly #sessions = new Map<string, ConsoleSession>()
  readonly #now: () => number

  constructor (timeouts: SessionTimeouts, now: () => number = Date.now) {
    this.timeouts = timeouts
    this.#now = now
  }

  /** A new session and the cookie value that names it. */
  open (): { token: string, session: ConsoleSession } {
    const now = this.#now()
    for (const [key, s] of this.#sessions) if (this.#expired(s, now)) this.#sessions.delete(key)
    const token = randomBytes(32).toString('base64url')
    const session: ConsoleSession = { createdAt: now, lastSeenAt: now }
    this.#sessions.set(keyOf(token), session)
    return { token, session }
  }

  /** The live session a cookie value names (its idle time starts again), else undefined. */
  find (token: string | undefined): ConsoleSession | undefined {
    if (token === undefined || token.length === 0 || token.length > 100) return undefined
    const key = keyOf(token)
    const session = this.#sessions.get(key)
    if (session === undefined) return undefined
    const now = this.#now()
    if (this.#expired(session, now)) {
      this.#sessions.delete(key)
      return undefined
    }
    session.lastSeenAt = now
    return session
  }

  /** Sign-out: the cookie value names nothing from now on. */
  close (token: string | undefined): void {
    if (token !== undefined) this.#sessions.delete(keyOf(token))
  }

  get size (): number { return this.#sessions.size }

  #expired (s: ConsoleSession, now: number): boolean {
    return now - s.lastSeenAt >= this.timeouts.idleMs || now - s.createdAt >= this.timeouts.maxMs
  }
}

const keyOf = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex')

/** After n failed sign-ins in a row the next attempt waits min(baseMs·2^(n-1), maxMs) ms; failures older than forgetAfterMs no longer count. */
export interface FailureDelay { baseMs: number, maxMs: number, forgetAfterMs: number, maxWaiting: number }

export const FAILURE_DELAY: FailureDelay = { baseMs: 250, maxMs: 8000, forgetAfterMs: 15 * 60_000, maxWaiting: 5 }

/**
 * The operator key's check: constant time (sameSecret hashes both sides first), one attempt at a
 * time, and each failure doubles the wait before the next attempt is even compared. Attempts are
 * counted for the whole console, not per client: it listens on loopback, where every client has
 * the same address. A queue longer than `maxWaiting` is refused (429) instead of growing.
 * Nothing locks: the right key after failures only waits.
 */
export class OperatorKeyCheck {
  readonly #key: string
  readonly #delay: FailureDelay
  #failures = 0
  #lastFailureAt = 0
  #waiting = 0
  #turn: Promise<unknown> = Promise.resolve()

  constructor (operatorKey: string, delay: FailureDelay = FAILURE_DELAY) {
    this.#key = operatorKey
    this.#delay = delay
  }

  /** How long the next attempt waits now. */
  get nextDelayMs (): number {
    if (this.#failures === 0 || Date.now() - this.#lastFailureAt > this.#delay.forgetAfterMs) return 0
    return Math.min(this.#delay.baseMs * 2 ** (this.#failures - 1), this.#delay.maxMs)
  }

  async matches (given: string): Promise<boolean> {
    if (this.#waiting >= this.#delay.maxWaiting) {
      const seconds = Math.ceil(Math.max(this.nextDelayMs, 1000) / 1000)
      throw new HttpError(429, 'SIGN_IN_BUSY', `Too many sign-in attempts at once: try again in ${seconds} s.`, 'key', { 'retry-after': String(seconds) })
    }
    this.#waiting++
    const mine = this.#turn.then(async () => {
      const wait = this.nextDelayMs
      if (wait > 0) await sleep(wait)
      const ok = sameSecret(given, this.#key)
      if (ok) this.#failures = 0
      else {
        if (Date.now() - this.#lastFailureAt > this.#delay.forgetAfterMs) this.#failures = 0
        this.#failures++
        this.#lastFailureAt = Date.now()
      }
      return ok
    })
    this.#turn = mine.catch(() => undefined)
    try {
      return await mine
    } finally {
      this.#waiting--
    }
  }
}
