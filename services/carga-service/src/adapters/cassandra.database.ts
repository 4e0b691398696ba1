import cassandraDriver from 'cassandra-driver'

export interface CassandraSettings {
  host: string
  port: number
  keyspace: string
  dataCenter: string
  credentials?: { user: string, password: string }
}

/**
 * A driver client for the service's keyspace. It connects on first use and reconnects by itself,
 * so the service starts (and answers /health 503) while Cassandra is still down.
 */
export function createCassandraClient (settings: CassandraSettings): cassandraDriver.Client {
  return new cassandraDriver.Client({
    contactPoints: [`${settings.host}:${settings.port}`],
    localDataCenter: settings.dataCenter,
    keyspace: settings.keyspace,
    ...(settings.credentials ? { authProvider: new cassandraDriver.auth.PlainTextAuthProvider(settings.credentials.user, settings.credentials.password) } : {}),
    socketOptions: { connectTimeout: 2000, readTimeout: 5000 },
    // Reconnects every second while Cassandra is away rather than backing off to ten minutes.
    policies: { reconnection: new cassandraDriver.policies.reconnection.ConstantReconnectionPolicy(1000) }
  })
}
