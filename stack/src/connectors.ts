import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ConnectorDefinition } from '@ripple/operations'
import type { StackConfig } from './config.ts'
import { ACCOUNTS, CONNECT_ACCOUNTS, endpoints } from './config.ts'
import { StackError } from './errors.ts'

/** Kafka Connect's REST API credentials file (PropertyFileLoginModule: one `user=password` per line, 0600). */
export function connectCredentialsFile (config: StackConfig): string {
  return join(config.paths.conf, 'connect-credentials.properties')
}

/** The JAAS file the workers' JVM is given by -Djava.security.auth.login.config (0600: it names the credentials file). */
export function connectJaasFile (config: StackConfig): string {
  return join(config.paths.conf, 'connect-jaas.conf')
}

/**
 * Writes the REST API's accounts and the JAAS section `KafkaConnect` that Kafka's
 * BasicAuthSecurityRestExtension logs callers in with. Both 0600: only the stack's OS user,
 * which runs Connect, reads them.
 */
export function writeConnectRestAuth (config: StackConfig): void {
  mkdirSync(config.paths.conf, { recursive: true })
  const credentials = connectCredentialsFile(config)
  const accounts = Object.entries(CONNECT_ACCOUNTS).map(([key, user]) => `${user}=${propertyValue(config.secrets.connect[key as keyof typeof CONNECT_ACCOUNTS])}`)
  writePrivate(credentials, '# Written by ./ripple up: Kafka Connect REST API accounts (HTTP Basic).\n' + accounts.join('\n') + '\n')
  writePrivate(connectJaasFile(config), [
    'KafkaConnect {',
    `  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file=${JSON.stringify(credentials)};`,
    '};',
    ''
  ].join('\n'))
}

function writePrivate (file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 })
  chmodSync(file, 0o600)
}

/** The properties file Kafka Connect's FileConfigProvider reads the connectors' passwords from (0600, under RIPPLE_HOME/conf). */
export function connectSecretsFile (config: StackConfig): string {
  return join(config.paths.conf, 'connect-secrets.properties')
}

/**
 * The accounts of seed 002's connectors: Debezium's PostgreSQL role (REPLICATION, and SELECT on
 * carga.tabela), named like its MariaDB account, and the JDBC sink's MariaDB account (carga.tabela
 * only), named like its PostgreSQL role. Their passwords are derived like every database
 * account's (stack/src/secrets.ts), RIPPLE_POSTGRES_CDC_PASSWORD and
 * RIPPLE_MARIADB_JDBC_SINK_PASSWORD override them.
 */
export function cargaConnectorAccounts (config: StackConfig) {
  return {
    postgresCdc: { user: ACCOUNTS.mariadbCdc, password: config.secrets.postgresCdcPassword },
    mariadbSink: { user: ACCOUNTS.jdbcSink, password: config.secrets.mariadbJdbcSinkPassword }
  }
}

/** The passwords connectors name by key, as `${file:<connect secrets file>:<key>}`. */
export function connectSecrets (config: StackConfig): Record<string, string> {
  const carga = cargaConnectorAccounts(config)
  return {
    [`mariadb.${ACCOUNTS.mariadbCdc}.password`]: config.secrets.mariadbCdcPassword,
    [`postgres.${ACCOUNTS.jdbcSink}.password`]: config.secrets.jdbcSinkPassword,
    [`postgres.${carga.postgresCdc.user}.password`]: carga.postgresCdc.password,
    [`mariadb.${carga.mariadbSink.user}.password`]: carga.mariadbSink.password
  }
}

/** A Java properties value: backslashes and line breaks escaped, anything beyond ASCII as \uXXXX. */
const propertyValue = (v: string): string => v.replace(/^ /, '\\ ').replace(/[\\\n\r\t\f]|[^\x20-\x7e]/g, c => {
  const named: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\f': '\\f' }
  return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
})

/** Writes the file only its owner (the stack's OS user, which runs Connect) may read. */
export function writeConnectSecrets (config: StackConfig): string {
  const file = connectSecretsFile(config)
  mkdirSync(config.paths.conf, { recursive: true })
  const text = '# Written by ./ripple up: passwords Kafka Connect resolves through FileConfigProvider.\n' +
    Object.entries(connectSecrets(config)).map(([k, v]) => `${k}=${propertyValue(v)}`).join('\n') + '\n'
  writePrivate(file, text)
  return file
}

/**
 * Values a connector file may name as ${VAR}: the stack's own settings, so moved ports follow.
 * No password is among them: a connector names one as `${file:${RIPPLE_CONNECT_SECRETS}:<key>}`,
 * which Kafka Connect resolves when it starts the task, so its REST API shows the reference only.
 */
export function placeholders (config: StackConfig): Record<string, string> {
  return {
    RIPPLE_HOST: config.host,
    // Hosts of their own: in a container deployment each database has its own name (deploy/).
    RIPPLE_MARIADB_HOST: config.host,
    RIPPLE_POSTGRES_HOST: config.host,
    RIPPLE_KAFKA_BOOTSTRAP: endpoints(config).kafkaBrokers.join(','),
    // Topics a connector creates (its own, Debezium's, a dead-letter topic) replicate like the stack's others.
    RIPPLE_KAFKA_REPLICATION_FACTOR: String(config.kafka.replicationFactor),
    RIPPLE_MARIADB_PORT: String(config.ports.mariadb),
    RIPPLE_POSTGRES_PORT: String(config.ports.postgres),
    RIPPLE_CONNECT_SECRETS: connectSecretsFile(config)
  }
}

export function resolvePlaceholders (definition: ConnectorDefinition, values: Record<string, string>): ConnectorDefinition {
  const config = Object.fromEntries(Object.entries(definition.config).map(([k, v]) => [k, String(v).replace(/\$\{([A-Z0-9_]+)\}/g, (_whole, name: string) => {
    const value = values[name]
    if (value === undefined) throw new StackError('CONNECTOR_PLACEHOLDER', `Connector ${definition.name} names \${${name}} in ${k}, which the stack does not define: use one of ${Object.keys(values).join(', ')}.`)
    return value
  })]))
  return { name: definition.name, config }
}

/** Every connectors/*.json, placeholders filled in. */
export function loadConnectorFiles (config: StackConfig): ConnectorDefinition[] {
  const dir = join(config.repoRoot, 'connectors')
  if (!existsSync(dir)) return []
  const values = placeholders(config)
  return readdirSync(dir).filter(f => f.endsWith('.json')).sort().map(f => {
    const parsed = JSON.parse(readFileSync(join(dir, f), 'utf8')) as ConnectorDefinition
    if (typeof parsed.name !== 'string' || typeof parsed.config !== 'object') {
      throw new StackError('CONNECTOR_FILE', `connectors/${f} must be {"name": ..., "config": {...}}.`)
    }
    return resolvePlaceholders(parsed, values)
  })
}
