// @ripple/kit/domain: what entities may import, and nothing else; it imports nothing itself.
export { DomainError } from './domain.error.ts'
export { ok, err } from './result.ts'
export type { Result } from './result.ts'
