import { DomainError } from '../domain/domain.error.ts'

/** The code a dead letter and a log line name a failure by: a domain error's own, else the error's class. */
export function errorCode (error: unknown): string {
  if (error instanceof DomainError) return error.code
  return error instanceof Error ? error.name : 'UNKNOWN'
}
