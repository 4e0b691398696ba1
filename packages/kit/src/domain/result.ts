/** What a use case returns: expected failures are values, so callers must look at them. */
export type Result<T, E> = { ok: true, value: T } | { ok: false, error: E }

export const ok = <T>(value: T): { ok: true, value: T } => ({ ok: true, value })
export const err = <E>(error: E): { ok: false, error: E } => ({ ok: false, error })
