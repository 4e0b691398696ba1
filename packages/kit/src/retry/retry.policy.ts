import pRetry from 'p-retry'
import type { Options } from 'p-retry'
import { InvalidInputError } from '../errors/ripple.error.ts'
import type { Logger } from '../logging/logger.ts'
import type { ConsumedMessage, MessageHandler } from '../kafka/kafka.types.ts'
import type { DeadLetterPublisher } from './dead-letter.publisher.ts'

export interface RetryOptions {
  /** Retries after the first attempt; then the message goes to the dead-letter topic. */
  retries: number
  minTimeout: number
  maxTimeout: number
  factor: number
}

export const defaultRetryOptions: RetryOptions = { retries: 5, minTimeout: 500, maxTimeout: 30_000, factor: 2 }

export type Outcome = 'processed' | 'dead-lettered' | 'aborted'

interface CodedError { code: string, canRetry: boolean }

// Duck-typed rather than instanceof RippleError: a service's entities declare their errors
// without importing the kit, and they still say whether trying again can help.
const isCoded = (error: unknown): error is CodedError =>
  error instanceof Error && typeof (error as Partial<CodedError>).code === 'string' && typeof (error as Partial<CodedError>).canRetry === 'boolean'

/**
 * Whether the same message may succeed later. Invalid input never does; a classified error
 * says so itself; anything unclassified (a driver or network error) is presumed transient,
 * which costs at most the bounded retries before it is dead-lettered anyway.
 */
export function canRetry (error: unknown): boolean {
  if (error instanceof InvalidInputError) return false
  if (isCoded(error)) return error.canRetry
  return true
}

export function errorCode (error: unknown): string {
  if (isCoded(error)) return error.code
  return error instanceof Error ? error.name : 'UNKNOWN'
}

export interface ProcessOptions {
  retry: RetryOptions
  dlq: DeadLetterPublisher
  logger: Logger
  /** Aborting (on stop) ends waiting between attempts; the message is then left uncommitted. */
  signal?: AbortSignal
}

/**
 * p-retry with a stop signal that only cuts the waits between attempts: p-retry's own signal
 * would also discard an attempt that was already running (even one that succeeded), and a
 * finished effect must be reported as finished so its offset gets committed.
 */
async function retryUntilStopped (attempt: () => Promise<void>, options: Options, stop: AbortSignal | undefined): Promise<void> {
  const between = new AbortController()
  let running = false
  const onStop = () => { if (!running) between.abort(stop?.reason) }
  stop?.addEventListener('abort', onStop, { once: true })
  try {
    await pRetry(async () => {
      running = true
      try {
        await attempt()
      } catch (error) {
        if (stop?.aborted) between.abort(stop.reason)
        throw error
      } finally {
        running = false
      }
    }, { ...options, signal: between.signal })
  } finally {
    stop?.removeEventListener('abort', onStop)
  }
}

/**
 * Runs the handler until it succeeds, retrying what may succeed later with exponential backoff;
 * what never can (or ran out of retries) goes to the dead-letter topic. Either way the caller may
 * commit the offset afterwards, except on 'aborted' (stopped while retrying), where the message
 * must be delivered again.
 */
export async function processWithRetry (message: ConsumedMessage, handler: MessageHandler, options: ProcessOptions): Promise<{ outcome: Outcome, attempts: number }> {
  const { retry, dlq, logger, signal } = options
  const where = { topic: message.topic, partition: message.partition, offset: String(message.offset) }
  let attempts = 0
  const handlerSignal = signal ?? new AbortController().signal
  try {
    await retryUntilStopped(async () => {
      attempts++
      await handler(message, handlerSignal)
    }, {
      ...retry,
      randomize: true,
      shouldRetry: ({ error }) => canRetry(error),
      onFailedAttempt: ({ error, retriesLeft, retryDelay }) => {
        if (canRetry(error) && retriesLeft > 0) logger.warn({ err: error, ...where, attempt: attempts, retryInMs: retryDelay }, 'message failed, retrying')
      }
    }, signal)
    return { outcome: 'processed', attempts }
  } catch (error) {
    if (signal?.aborted) return { outcome: 'aborted', attempts }
    logger.error({ err: error, ...where, attempts }, 'message cannot be processed, sending it to the dead-letter topic')
    try {
      // The partition waits here rather than skip a message it could not park somewhere.
      await retryUntilStopped(() => dlq.publish(message, error, attempts), {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: retry.minTimeout,
        maxTimeout: retry.maxTimeout,
        onFailedAttempt: ({ error: dlqError }) => logger.error({ err: dlqError, ...where }, 'dead-letter publish failed, retrying')
      }, signal)
    } catch (dlqError) {
      if (signal?.aborted) return { outcome: 'aborted', attempts }
      throw dlqError
    }
    return { outcome: 'dead-lettered', attempts }
  }
}
