import { DomainError } from '@ripple/kit/domain'

/**
 * An error the CLI prints as it is: one sentence saying what went wrong and what to do.
 * `canRetry` says whether running the same command again may succeed unchanged. The kit's
 * DomainError subpath imports nothing, so the CLI starts without loading the rest of the kit.
 */
export class StackError<Code extends string = string> extends DomainError<Code> {}
