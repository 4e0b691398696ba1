import { DomainError } from '@ripple/kit/domain'

/**
 * An operation's refusal or failure, said as one sentence of what went wrong and what to do: the
 * CLI prints it as it is and the console answers with the status it means. The stack's own
 * StackError is this class under its old name.
 */
export class OperationError<Code extends string = string> extends DomainError<Code> {}
