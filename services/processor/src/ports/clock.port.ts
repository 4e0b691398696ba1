/** Time as the processor needs it, so the rules are testable without waiting. */
export interface Clock {
  /** Nanoseconds since the epoch. */
  now (): bigint
  /** Resolves at the instant (at once if it is past); rejects when the signal aborts. */
  waitUntil (epochNs: bigint, signal: AbortSignal): Promise<void>
}
