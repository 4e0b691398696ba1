import { setTimeout as delay } from 'node:timers/promises'
import { createNanoClock } from '@ripple/kit'
import type { Clock } from '../ports/clock.port.ts'

/** The process clock and its timers. */
export function createTimerClock (): Clock {
  const now = createNanoClock()
  return {
    now,
    async waitUntil (epochNs, signal) {
      const ms = Number(epochNs - now()) / 1e6
      signal.throwIfAborted()
      if (ms > 0) await delay(ms, undefined, { signal })
    }
  }
}
