import { readFileSync } from 'node:fs'
import type { ResetTarget } from '@ripple/operations'
import { StackError } from '../errors.ts'

/** The version in the root package.json: the one a release is tagged with. */
export function version (): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version
}

export interface ResetFlags { toEarliest?: boolean, toLatest?: boolean, toDatetime?: string, toOffset?: string, shiftBy?: string }

/** `group reset`'s flags as one target; exactly one of them is given. */
export function resetTargetOf (opts: ResetFlags): ResetTarget {
  const chosen = [opts.toEarliest, opts.toLatest, opts.toDatetime !== undefined, opts.toOffset !== undefined, opts.shiftBy !== undefined].filter(Boolean).length
  if (chosen !== 1) throw new StackError('RESET_TARGET', 'Say where to move the offsets, once: --to-earliest, --to-latest, --to-datetime <iso>, --to-offset <n> or --shift-by <±n>.')
  if (opts.toDatetime !== undefined) {
    const at = new Date(opts.toDatetime)
    if (Number.isNaN(at.getTime())) throw new StackError('RESET_TARGET', `--to-datetime takes an ISO 8601 time such as 2026-11-30T12:00:00Z, got "${opts.toDatetime}".`)
    return { to: 'datetime', at }
  }
  if (opts.toOffset !== undefined) {
    if (!/^\d+$/.test(opts.toOffset)) throw new StackError('RESET_TARGET', `--to-offset takes an offset (a whole number of at least 0), got "${opts.toOffset}".`)
    return { to: 'offset', offset: BigInt(opts.toOffset) }
  }
  if (opts.shiftBy !== undefined) {
    if (!/^[+-]?\d+$/.test(opts.shiftBy)) throw new StackError('RESET_TARGET', `--shift-by takes a whole number, negative to go back (e.g. -10), got "${opts.shiftBy}".`)
    return { to: 'shift', by: BigInt(opts.shiftBy) }
  }
  return { to: opts.toEarliest ? 'earliest' : 'latest' }
}

/**
 * Like kafka-console-consumer, `consume` with no start flag reads only what arrives from now on,
 * which reads as "the topic is empty" when nothing does: it then says how to read what is there.
 */
export function consumeHint (topic: string, count: number, opts: { group?: string, fromBeginning?: boolean, offset?: string, since?: string, follow?: boolean }): string | undefined {
  if (count > 0 || opts.group !== undefined || opts.fromBeginning || opts.offset !== undefined || opts.since !== undefined || opts.follow) return undefined
  return `nothing new on ${topic} since this started: --from-beginning reads what it holds, --follow waits for new records`
}
