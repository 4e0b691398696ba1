import { join } from 'node:path'
import type { DatabaseAccount, ServiceDefinition, StackConfig } from '../config.ts'
import { endpoints, KAFKA_PRINCIPALS, kafkaSasl } from '../config.ts'
import { PUBLIC_KEY_NAMES, SECRET_NAMES } from '../secrets.ts'
import type { PublicKeyName, SecretName } from '../secrets.ts'
import type { Component } from './component.ts'
import { ensureSystemUser, dropsRoot, serviceOsUser } from './os-user.ts'
import { httpProbe } from './probes.ts'

export type { ServiceDefinition }

/** Every Ripple service run by `./ripple up`, in start order: the registry of each service's package.json "ripple" field (stack/src/registry.ts). */
export function serviceDefinitions (config: StackConfig): ServiceDefinition[] {
  return [...config.services]
}

/**
 * Which database credentials a process gets: `admin` (tests, which run services in-process on
 * scratch databases they create), a service's own account, or none (`null`: it has no database).
 */
export type DatabaseCredentials = 'admin' | DatabaseAccount | null

function databaseEnv (config: StackConfig, credentials: DatabaseCredentials): Record<string, string> {
  const ep = endpoints(config)
  if (credentials === 'admin') {
    return {
      MARIADB_USER: ep.mariadb.user,
      MARIADB_PASSWORD: ep.mariadb.password,
      POSTGRES_USER: ep.postgres.user,
      POSTGRES_PASSWORD: ep.postgres.password,
      CASSANDRA_USER: ep.cassandraAdmin.user,
      CASSANDRA_PASSWORD: ep.cassandraAdmin.password
    }
  }
  if (!credentials) return {}
  const prefix = credentials.engine === 'mariadb' ? 'MARIADB' : 'POSTGRES'
  return {
    [`${prefix}_USER`]: credentials.user,
    [`${prefix}_PASSWORD`]: credentials.password,
    [`${prefix}_DATABASE`]: credentials.database
  }
}

/** A service's own Cassandra role and keyspace, when its registry entry names them. */
export function cassandraEnv (definition: ServiceDefinition): Record<string, string> {
  if (!definition.cassandra) return {}
  return { CASSANDRA_USER: definition.cassandra.user, CASSANDRA_PASSWORD: definition.cassandra.password, CASSANDRA_KEYSPACE: definition.cassandra.keyspace }
}

/**
 * The settings services read (kit's baseConfigSchema and the shared ones), pointing at this
 * stack. Tests get every generated secret, the admin database accounts (they run services
 * in-process on scratch databases) and the tests' Kafka principal; a service run by `./ripple up`
 * only the secrets its registry entry names, its own database account and its own Kafka principal.
 */
export function serviceEnv (config: StackConfig, secrets: readonly SecretName[] = SECRET_NAMES, credentials: DatabaseCredentials = 'admin', publicKeys: readonly PublicKeyName[] = PUBLIC_KEY_NAMES, kafkaPrincipal: string = KAFKA_PRINCIPALS.test): Record<string, string> {
  const ep = endpoints(config)
  const kafka = kafkaSasl(config, kafkaPrincipal)
  return {
    ...Object.fromEntries(secrets.map(name => [name, config.secrets.generated[name]])),
    ...Object.fromEntries(publicKeys.map(name => [name, config.publicKeys[name]])),
    // Links in mails (email confirmation) point at user-service as the user reaches it.
    USER_SERVICE_URL: `http://${config.host}:${config.ports.userService}`,
    // subscribe-service refuses webhooks to inside addresses; two ports are the exception: the
    // tests' own receivers (first: test/e2e/outbox.support.ts takes the first entry) and the stack's
    // webhook-receiver. Not the whole host, so Prometheus and the services stay out of reach.
    WEBHOOK_ALLOWED_HOSTS: `${config.host}:${config.ports.webhookTest},${config.host}:${config.ports.webhookReceiver}`,
    HOST: config.host,
    KAFKA_BROKERS: ep.kafkaBrokers.join(','),
    // Its own Kafka principal (tests: ripple-test), whose ACLs are what its registry entry declares.
    KAFKA_SASL_USERNAME: kafka.username,
    KAFKA_SASL_PASSWORD: kafka.password,
    MARIADB_HOST: ep.mariadb.host,
    MARIADB_PORT: String(ep.mariadb.port),
    POSTGRES_HOST: ep.postgres.host,
    POSTGRES_PORT: String(ep.postgres.port),
    ...databaseEnv(config, credentials),
    SMTP_HOST: ep.smtp.host,
    SMTP_PORT: String(ep.smtp.port),
    // Cassandra (seed 002's store): a service's own role comes with its definition (cassandraEnv).
    CASSANDRA_HOST: config.host,
    CASSANDRA_PORT: String(config.ports.cassandra)
  }
}

/** A TypeScript service as a supervised process, wired to the stack's ports and secrets. */
export function service (config: StackConfig, definition: ServiceDefinition): Component {
  const url = `http://${config.host}:${definition.port}`
  return {
    name: definition.name,
    dependsOn: ['mariadb', 'postgres', 'smtp', ...config.kafka.nodes.map(n => n.name), ...config.connectWorkers.map(w => w.name)],
    restartWhenUnhealthy: true,
    address: () => url,
    ports: () => [{ port: definition.port, what: `${definition.name} HTTP (${definition.portVariable})` }],
    binaries: () => [],
    async prepare () {
      if (dropsRoot()) await ensureSystemUser(serviceOsUser(definition.name))
    },
    process: () => ({
      command: process.execPath,
      args: ['--disable-warning=ExperimentalWarning', join(config.repoRoot, 'services', definition.name, 'src', 'main.ts')],
      cwd: join(config.repoRoot, 'services', definition.name),
      env: { ...serviceEnv(config, definition.secrets, definition.database ?? null, definition.publicKeys, definition.name), ...cassandraEnv(definition), PORT: String(definition.port) },
      // Services finish in-flight messages and commit on SIGTERM.
      stopTimeoutMs: 30_000,
      // Services write no files: the repository and Node are world-readable, secrets come in the environment.
      ...(dropsRoot() ? { user: serviceOsUser(definition.name) } : {})
    }),
    health: () => httpProbe(`${url}/health`)
  }
}
