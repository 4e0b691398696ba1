import { setTimeout as delay } from 'node:timers/promises'
import type { EventPublisher, OutboxStore } from '../ports/outbox-repository.port.ts'

/** Waits `ms`, or less when the signal aborts; never rejects. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>

const defaultSleep: Sleep = (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined)

export interface OutboxRelayOptions {
  outbox: OutboxStore
  publisher: EventPublisher
  batchSize: number
  /** The wait between polls of an idle outbox, so an idle relay costs one query per interval. */
  intervalMs: number
  /** The longest wait between attempts while Kafka or the database fails. */
  maxBackoffMs: number
  onError: (error: unknown, failures: number) => void
  sleep?: Sleep
}

export interface OutboxRelay {
  /** Publishes the oldest pending events (up to a batch) and then forgets them; 'standby' while another relay holds the outbox. */
  pass (): Promise<number | 'standby'>
  start (): void
  /** An event was just committed here: poll now instead of at the end of the interval. */
  wake (): void
  stop (): Promise<void>
}

/**
 * The polling publisher: events leave the outbox only after Kafka acknowledged them, so a
 * crash or an outage in between publishes them again (consumers drop the copy by event id)
 * and never loses one. Passes follow one another, each in outbox order, so one author's
 * events reach their partition in the order they were written.
 */
export function makeRelayOutbox (options: OutboxRelayOptions): OutboxRelay {
  const { outbox, publisher, batchSize, intervalMs, maxBackoffMs, onError } = options
  const sleep = options.sleep ?? defaultSleep
  const stopping = new AbortController()
  let nap: AbortController | undefined
  let woken = false
  let running: Promise<void> | undefined

  async function pass (): Promise<number | 'standby'> {
    if (!(await outbox.claimRelay())) return 'standby'
    const events = await outbox.pending(batchSize)
    if (events.length === 0) return 0
    await publisher.publish(events)
    await outbox.markSent(events)
    return events.length
  }

  async function loop (): Promise<void> {
    let failures = 0
    while (!stopping.signal.aborted) {
      woken = false
      let wait = intervalMs
      try {
        const published = await pass()
        failures = 0
        // A full batch means more may be waiting.
        if (published === batchSize) continue
      } catch (error) {
        failures++
        onError(error, failures)
        wait = Math.min(maxBackoffMs, intervalMs * 2 ** (failures - 1))
      }
      // While failing, commits do not cut the backoff short: each would be one more failed attempt.
      if (woken && failures === 0) continue
      nap = new AbortController()
      await sleep(wait, failures === 0 ? AbortSignal.any([stopping.signal, nap.signal]) : stopping.signal)
      nap = undefined
    }
  }

  return {
    pass,
    start () {
      running ??= loop()
    },
    wake () {
      woken = true
      nap?.abort()
    },
    async stop () {
      stopping.abort()
      await running
    }
  }
}
