/**
 * An error the CLI prints as it is: one sentence saying what went wrong and what to do.
 * `canRetry` says whether running the same command again may succeed unchanged. It is the
 * operations' error class, so the CLI and the console treat both alike.
 */
export { OperationError as StackError } from '@ripple/operations'
