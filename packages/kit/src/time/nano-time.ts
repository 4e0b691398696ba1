/**
 * Instants as nanoseconds since the epoch (a bigint), written as RFC 3339 with nine fraction
 * digits (`2024-01-27T12:34:50.594423357Z`), the way Go's time.Time marshals to JSON: Date has
 * only milliseconds, which would make a job's create and finish look simultaneous.
 */

const NS_PER_MS = 1_000_000n
const NS_PER_S = 1_000_000_000n

/**
 * A clock with nanosecond resolution: the wall clock read once, advanced by the monotonic
 * hrtime, so successive readings never go backwards even if the system clock is stepped.
 */
export function createNanoClock (): () => bigint {
  const wallAtStart = BigInt(Date.now()) * NS_PER_MS
  const hrAtStart = process.hrtime.bigint()
  return () => wallAtStart + (process.hrtime.bigint() - hrAtStart)
}

export function formatNanoTimestamp (epochNs: bigint): string {
  const ms = epochNs / NS_PER_MS - (epochNs < 0n && epochNs % NS_PER_MS !== 0n ? 1n : 0n)
  const seconds = new Date(Number(ms)).toISOString().slice(0, 19)
  const fraction = ((epochNs % NS_PER_S) + NS_PER_S) % NS_PER_S
  return `${seconds}.${fraction.toString().padStart(9, '0')}Z`
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/

/** Epoch nanoseconds of an RFC 3339 timestamp (0 to 9 fraction digits, any offset); undefined if it is not one. */
export function parseNanoTimestamp (text: string): bigint | undefined {
  const match = RFC3339.exec(text)
  if (!match) return undefined
  const [, date, time, fraction = '', zone = 'Z'] = match
  const ms = Date.parse(`${date}T${time}${zone.toUpperCase()}`)
  if (Number.isNaN(ms)) return undefined
  // Date.parse rolls 2024-02-30 over into March; a real calendar date survives the round trip.
  if (zone.toUpperCase() === 'Z' && new Date(ms).toISOString().slice(0, 19) !== `${date}T${time}`) return undefined
  return BigInt(ms) * NS_PER_MS + BigInt(fraction.padEnd(9, '0'))
}

/** Whole seconds since the epoch, rounded down (what the seed's PostgreSQL columns hold). */
export const epochSeconds = (epochNs: bigint): number => Number(epochNs / NS_PER_S - (epochNs < 0n && epochNs % NS_PER_S !== 0n ? 1n : 0n))

export const nanosFromMs = (ms: number): bigint => BigInt(Math.round(ms)) * NS_PER_MS
export const msFromNanos = (ns: bigint): number => Number(ns / 1000n) / 1000
