/** What @platformatic/kafka's clients take as `sasl`. */
export interface KafkaSasl {
  readonly mechanism: 'SCRAM-SHA-512'
  readonly username: string
  readonly password: string
}

/** The brokers one process talks to, its login, and the replication a topic it creates gets. */
export interface KafkaTarget {
  readonly brokers: string[]
  readonly sasl: KafkaSasl
  readonly replicationFactor: number
}

/**
 * What the Kafka operations are handed: anything that carries a KafkaTarget (the stack's config,
 * the console's), so a caller passes its own settings whole.
 */
export interface KafkaAccess {
  readonly kafkaClient: KafkaTarget
}
