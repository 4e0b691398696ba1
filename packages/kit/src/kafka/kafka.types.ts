/** A value or key as it travels on Kafka: text is sent as UTF-8. */
export type Payload = string | Buffer

/** One record as a handler sees it; `value` is null for a tombstone. */
export interface ConsumedMessage {
  topic: string
  partition: number
  offset: bigint
  timestamp: bigint
  key: Buffer | null
  value: Buffer | null
  headers: Map<string, Buffer>
}

/**
 * Handles one record; `signal` aborts when the consumer stops, so a handler that waits (a
 * scheduled job, a slow dependency) can give up, leaving the record uncommitted for the next member.
 */
export type MessageHandler = (message: ConsumedMessage, signal: AbortSignal) => Promise<void>

/** A client's SCRAM-SHA-512 login, as @platformatic/kafka takes it. */
export interface KafkaSasl {
  readonly mechanism: 'SCRAM-SHA-512'
  readonly username: string
  readonly password: string
}
