import type { StackConfig } from '@ripple/stack'
import { traceJob } from './job.trace.ts'
import { tracePost } from './post.trace.ts'
import { traceUser } from './user.trace.ts'
import type { ChangeTrace, TraceKind } from './trace.types.ts'
export type { ChangeTrace, TraceKind, TraceStep } from './trace.types.ts'

// The console's "Trace" page: where one change went, from its row through its event and the
// consumers that handled it to what it caused, each step with its time when known.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * An id in the form its kind has (a UUID, or a post's positive number), else undefined: nothing
 * that could not be an id reaches a query.
 */
export function normalizeId (kind: TraceKind, id: string): string | undefined {
  const text = id.trim().toLowerCase()
  if (kind === 'post') return /^[1-9]\d{0,19}$/.test(text) && BigInt(text) <= 18446744073709551615n ? text : undefined
  return UUID.test(text) ? text : undefined
}

export async function traceChange (config: StackConfig, kind: TraceKind, id: string): Promise<ChangeTrace> {
  const normalized = normalizeId(kind, id)
  const none: ChangeTrace = { kind, id, found: false, steps: [] }
  if (normalized === undefined) return none
  const steps = kind === 'user' ? await traceUser(config, normalized) : kind === 'post' ? await tracePost(config, normalized) : await traceJob(config, normalized)
  return steps ? { kind, id: normalized, found: true, steps } : { ...none, id: normalized }
}
