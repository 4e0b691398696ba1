import type { OutboxStore } from '../ports/outbox-repository.port.ts'

export interface CleanOutboxDeps {
  outbox: OutboxStore
  /** How long published events stay in the outbox. */
  retentionMs: number
  batchSize: number
  now?: () => Date
}

/**
 * Deletes events older than the retention, one bounded batch after another so no delete holds
 * locks for long; answers how many went. Only for the CDC relay: it has read each event from the
 * binlog, which keeps the insert whatever happens to the row afterwards.
 */
export function makeCleanOutbox ({ outbox, retentionMs, batchSize, now = () => new Date() }: CleanOutboxDeps): () => Promise<number> {
  return async () => {
    const cutoff = new Date(now().getTime() - retentionMs)
    let deleted = 0
    while (true) {
      const batch = await outbox.deleteOlderThan(cutoff, batchSize)
      deleted += batch
      if (batch < batchSize) return deleted
    }
  }
}
