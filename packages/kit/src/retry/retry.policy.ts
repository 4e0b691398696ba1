import pRetry from 'p-retry'
import type { Options } from 'p-retry'
import { DomainError } from '../domain/domain.error.ts'
import { InvalidInputError } from '../errors/ripple.error.ts'
import type { Logger } from '../logging/logger.ts'
import type { ConsumedMessage, MessageHandler } from '../kafka/kafka.types.ts'
import type { DeadLetterPublisher } from './dead-letter.publisher.ts'

/**
 * Backoff between attempts of a message whose error may pass (an outage): exponential from
 * minTimeout, capped at maxTimeout, with jitter, for as long as the outage lasts. There is no
 * attempt budget: an outage is waited out, never dead-lettered.
 */
export interface RetryOptions {
  minTimeout: number
  maxTimeout: number
  factor: number
}

export const defaultRetryOptions: RetryOptions = { minTimeout: 500, maxTimeout: 30_000, factor: 2 }

export type Outcome = 'processed' | 'dead-lettered' | 'aborted'

/**
 * Whether the same message may succeed later. Invalid input never does; a classified error
 * says so itself; anything unclassified (a driver or network error) is presumed an outage and
 * waited out: a bug that throws stalls its partition, which /health reports, rather than
 * moving real work to a topic nobody reads.
 */
export function canRetry (error: unknown): boolean {
  if (error instanceof InvalidInputError) return false
  if (error instanceof DomainError) return error.canRetry
  return true
}

export interface ProcessOptions {
  retry: RetryOptions
  dlq: DeadLetterPublisher
  logger: Logger
  /** Aborting (on stop) ends waiting between attempts; the message is then left uncommitted. */
  signal?: AbortSignal
  /** Told of each failed attempt that will be tried again (the handler's or the dead-letter publish's), so /health can say what a blocked partition waits for. */
  onRetry?: (error: unknown) => void
}

/**
 * p-retry with a stop signal that only cuts the waits between attempts: p-retry's own signal
 * would also discard an attempt that was already running (even one that succeeded), and a
 * finished effect must be reported as finished so its offset gets committed. A stop that cuts a
 * wait short gets one last attempt at once: the outage may be over (a service is often restarted
 * just after its database came back, while it waits out its backoff), and work left half done
 * (a mail the server took whose confirmation is not yet recorded) is done again by the next
 * member rather than finished.
 */
async function retryUntilStopped (attempt: () => Promise<void>, options: Options, stop: AbortSignal | undefined): Promise<void> {
  const between = new AbortController()
  let running = false
  let cutShort = false
  const onStop = () => {
    if (running) return
    cutShort = true
    between.abort(stop?.reason)
  }
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
  } catch (error) {
    if (!cutShort) throw error
    await attempt()
  } finally {
    stop?.removeEventListener('abort', onStop)
  }
}

/**
 * Runs the handler until it succeeds, retrying what may succeed later with exponential backoff;
 * what never can goes to the dead-letter topic. Either way the caller may
 * commit the offset afterwards, except on 'aborted' (stopped while retrying), where the message
 * must be delivered again.
 */
export async function processWithRetry (message: ConsumedMessage, handler: MessageHandler, options: ProcessOptions): Promise<{ outcome: Outcome, attempts: number }> {
  const { retry, dlq, logger, signal, onRetry } = options
  const where = { topic: message.topic, partition: message.partition, offset: String(message.offset) }
  let attempts = 0
  const handlerSignal = signal ?? new AbortController().signal
  try {
    await retryUntilStopped(async () => {
      attempts++
      await handler(message, handlerSignal)
    }, {
      ...retry,
      retries: Number.POSITIVE_INFINITY,
      randomize: true,
      shouldRetry: ({ error }) => canRetry(error),
      onFailedAttempt: ({ error, retryDelay }) => {
        if (!canRetry(error)) return
        logger.warn({ err: error, ...where, attempt: attempts, retryInMs: retryDelay }, 'message failed, retrying')
        onRetry?.(error)
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
        factor: retry.factor,
        randomize: true,
        onFailedAttempt: ({ error: dlqError }) => {
          logger.error({ err: dlqError, ...where }, 'dead-letter publish failed, retrying')
          onRetry?.(dlqError)
        }
      }, signal)
    } catch (dlqError) {
      if (signal?.aborted) return { outcome: 'aborted', attempts }
      throw dlqError
    }
    return { outcome: 'dead-lettered', attempts }
  }
}
