import type { OutboxEvent } from '@ripple/contracts'

/** An outbox row not yet published, with its place in the outbox. */
export interface PendingEvent extends OutboxEvent {
  /** Insertion order: the relay publishes in this order. */
  position: number
}

/** The outbox table as the relay and the clean-up see it. */
export interface OutboxStore {
  /**
   * Whether this process is the one relay of this outbox (another instance may hold it); kept
   * once won, so the relay asks before every pass without costing a query.
   */
  claimRelay (): Promise<boolean>
  /** The oldest events still in the outbox, oldest first. */
  pending (limit: number): Promise<PendingEvent[]>
  /** Forgets events Kafka has acknowledged. */
  markSent (events: PendingEvent[]): Promise<void>
  /** Deletes up to `limit` events stored before `cutoff`; answers how many. */
  deleteOlderThan (cutoff: Date, limit: number): Promise<number>
  close (): Promise<void>
}

/** Publishes events to Kafka exactly as Debezium's EventRouter would; resolves once Kafka acknowledged all of them. */
export interface EventPublisher {
  publish (events: OutboxEvent[]): Promise<void>
}
