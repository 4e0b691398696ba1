import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { cassandraEnv, connectWorkers, kafkaProperties, serviceEnv } from '@ripple/stack/components'
import { CLICKHOUSE_USERS, CONNECT_ACCOUNTS, endpoints, KAFKA_PRINCIPALS, loadStackConfig, passwordVariable, placeholders, resolvePlaceholders } from '@ripple/stack'
import type { ServiceDefinition, StackConfig } from '@ripple/stack'
import type { ConnectorDefinition } from '@ripple/operations'
import { connectWorkerLogin, withDeploymentKafkaLogin } from './kafka-security.ts'
import { secretVariableOf } from './sources.ts'

/**
 * Where things are in one deployment. Ripple's own processes (services, mail capture, console,
 * gateway, Connect, Prometheus, ClickHouse, Cassandra) listen on the ports `./ripple up` gives
 * them; MariaDB and PostgreSQL on their images' standard ports.
 */
export interface Target {
  readonly kind: 'compose' | 'kubernetes'
  readonly kafkaBootstrap: string
  readonly connect: { readonly host: string, readonly port: number }
  readonly mariadb: { readonly host: string, readonly port: number }
  readonly postgres: { readonly host: string, readonly port: number }
  readonly smtp: { readonly host: string, readonly port: number, readonly apiPort: number }
  readonly clickhouse: { readonly host: string, readonly httpPort: number }
  readonly prometheus: { readonly host: string, readonly port: number }
  readonly cassandra: { readonly host: string, readonly port: number }
  readonly gateway: { readonly host: string, readonly port: number, readonly metricsPort: number }
  /** Where Connect's FileConfigProvider finds the connectors' passwords. */
  readonly connectSecretsFile: string
  /** Where user-service answers for links in mails: whoever reads the mail must reach it. */
  readonly userServiceUrl: string
  /** A service's host name: its Compose service or Kubernetes Service, named after its folder. */
  serviceHost (name: string): string
}

export const MARIADB_PORT = 3306
export const POSTGRES_PORT = 5432
export const KAFKA_PORT = 9092
export const KAFKA_CONTROLLER_PORT = 9093
export const COMPOSE_KAFKA_NODES = 3

/** Connect's REST accounts (`user=password` lines): a compose secret's file name, and its key in the k8s Connect Secret. */
export const CONNECT_REST_CREDENTIALS_FILE = 'connect-rest-credentials.properties'
/** Where the Compose Connect container finds the JAAS file that names the credentials file for BasicAuthSecurityRestExtension. */
export const COMPOSE_CONNECT_JAAS = '/etc/ripple/connect-jaas.conf'
export const COMPOSE_CONNECT_REST_CREDENTIALS = '/run/secrets/connect-rest-credentials'

/** The JAAS section `KafkaConnect` that BasicAuthSecurityRestExtension logs callers in with: a file name, no password. */
export function composeConnectJaas (): string {
  return [
    'KafkaConnect {',
    `  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file="${COMPOSE_CONNECT_REST_CREDENTIALS}";`,
    '};',
    ''
  ].join('\n')
}

const common = (config: StackConfig) => ({
  mariadb: { host: 'mariadb', port: MARIADB_PORT },
  postgres: { host: 'postgres', port: POSTGRES_PORT },
  smtp: { host: 'smtp', port: config.ports.smtp, apiPort: config.ports.mailApi },
  clickhouse: { host: 'clickhouse', httpPort: config.ports.clickhouseHttp },
  prometheus: { host: 'prometheus', port: config.ports.prometheus },
  cassandra: { host: 'cassandra', port: config.ports.cassandra },
  gateway: { host: 'gateway', port: config.ports.gateway, metricsPort: config.ports.gatewayMetrics },
  serviceHost: (name: string) => name
})

export const kafkaNodeHost = (i: number): string => `kafka-${i}`

export function composeTarget (config: StackConfig): Target {
  return {
    kind: 'compose',
    ...common(config),
    kafkaBootstrap: Array.from({ length: COMPOSE_KAFKA_NODES }, (_, i) => `${kafkaNodeHost(i + 1)}:${KAFKA_PORT}`).join(','),
    connect: { host: 'connect', port: config.ports.connect },
    // Compose mounts a secret at /run/secrets/<name>.
    connectSecretsFile: '/run/secrets/connect-secrets',
    // Published on the host's loopback at the stack's own port, as `./ripple up` has it.
    userServiceUrl: `http://localhost:${config.ports.userService}`
  }
}

/** Strimzi's names: the Kafka cluster `ripple`, the Connect cluster `ripple-connect`. */
export const KAFKA_CLUSTER = 'ripple'
export const CONNECT_CLUSTER = 'ripple-connect'
export const CONNECT_SECRETS_MOUNT = '/mnt/connect-secrets'

export function kubernetesTarget (config: StackConfig): Target {
  return {
    kind: 'kubernetes',
    ...common(config),
    kafkaBootstrap: `${KAFKA_CLUSTER}-kafka-bootstrap:${KAFKA_PORT}`,
    connect: { host: `${CONNECT_CLUSTER}-connect-api`, port: 8083 },
    connectSecretsFile: `${CONNECT_SECRETS_MOUNT}/connect-secrets.properties`,
    // Reached through `kubectl port-forward svc/user-service` until an Ingress gives it a public name.
    userServiceUrl: `http://localhost:${config.ports.userService}`
  }
}

/** The values connectors/*.json's ${RIPPLE_*} placeholders take in this deployment (same names as `./ripple up`'s). */
export function connectorValues (config: StackConfig, target: Target): Record<string, string> {
  const values: Record<string, string> = {
    RIPPLE_HOST: target.connect.host,
    RIPPLE_MARIADB_HOST: target.mariadb.host,
    RIPPLE_POSTGRES_HOST: target.postgres.host,
    RIPPLE_MARIADB_PORT: String(target.mariadb.port),
    RIPPLE_POSTGRES_PORT: String(target.postgres.port),
    RIPPLE_KAFKA_BOOTSTRAP: target.kafkaBootstrap,
    RIPPLE_KAFKA_REPLICATION_FACTOR: '3',
    RIPPLE_CONNECT_SECRETS: target.connectSecretsFile
  }
  const missing = Object.keys(placeholders(config)).filter(name => !(name in values))
  if (missing.length > 0) throw new Error(`The stack defines connector placeholder(s) ${missing.join(', ')} that deploy/src/target.ts does not map: give each its value in a container deployment.`)
  return values
}

export function resolveConnector (config: StackConfig, target: Target, definition: ConnectorDefinition): ConnectorDefinition {
  return withDeploymentKafkaLogin(resolvePlaceholders(definition, connectorValues(config, target)), target.connectSecretsFile)
}

export interface ContainerEnv {
  /** Settings that are no secret: a ConfigMap, or literal in compose.yaml. */
  readonly plain: Record<string, string>
  /** Environment variable → the secret variable holding its value. */
  readonly secret: Record<string, string>
}

/** Splits an environment into its plain settings and its secrets; a value still naming the stack's loopback host is a mistake. */
export function splitEnv (config: StackConfig, env: Record<string, string>): ContainerEnv {
  const plain: Record<string, string> = {}
  const secret: Record<string, string> = {}
  for (const [key, value] of Object.entries(env)) {
    const variable = secretVariableOf(value)
    if (variable) {
      secret[key] = variable
      continue
    }
    if (value.includes(config.host)) throw new Error(`${key}=${value} names the stack's own host ${config.host}: map it in deploy/src/target.ts to the component's host in a container deployment.`)
    plain[key] = value
  }
  return { plain, secret }
}

/**
 * A service's environment in a container: exactly what `./ripple up` gives it (serviceEnv: its
 * secrets, its own database account; cassandraEnv: its own Cassandra role), with addresses pointing at the deployment's hosts.
 */
export function serviceContainerEnv (config: StackConfig, target: Target, definition: ServiceDefinition): ContainerEnv {
  const env: Record<string, string> = { ...serviceEnv(config, definition.secrets, definition.database ?? null, definition.publicKeys, definition.name), ...cassandraEnv(definition), PORT: String(definition.port) }
  const addresses: Record<string, string> = {
    // Reachable from the other containers and the published port, not loopback only.
    HOST: '0.0.0.0',
    KAFKA_BROKERS: target.kafkaBootstrap,
    MARIADB_HOST: target.mariadb.host,
    MARIADB_PORT: String(target.mariadb.port),
    POSTGRES_HOST: target.postgres.host,
    POSTGRES_PORT: String(target.postgres.port),
    SMTP_HOST: target.smtp.host,
    SMTP_PORT: String(target.smtp.port),
    CASSANDRA_HOST: target.cassandra.host,
    CASSANDRA_PORT: String(target.cassandra.port),
    USER_SERVICE_URL: target.userServiceUrl,
    // The stack's exception is a local test receiver; a deployment has none.
    WEBHOOK_ALLOWED_HOSTS: ''
  }
  for (const key of Object.keys(env)) if (key in addresses) env[key] = addresses[key]!
  return splitEnv(config, env)
}

/**
 * The console's environment: the operator key, its own Kafka principal, and its own read-only
 * accounts (MariaDB and PostgreSQL `console`, ClickHouse `reader`, Connect REST `console`), never an
 * admin or superuser. The console reads each as `./ripple up`'s config does (RIPPLE_<ENGINE>_<ACCOUNT>_PASSWORD).
 */
export function consoleContainerEnv (config: StackConfig): ContainerEnv {
  const ep = endpoints(config)
  return splitEnv(config, {
    RIPPLE_KAFKA_PRINCIPAL: KAFKA_PRINCIPALS.console,
    RIPPLE_OPERATOR_KEY: config.secrets.generated.OPERATOR_KEY,
    [passwordVariable('mariadb', ep.consoleMariadb.user)]: ep.consoleMariadb.password,
    [passwordVariable('postgres', ep.consolePostgres.user)]: ep.consolePostgres.password,
    [passwordVariable('clickhouse', CLICKHOUSE_USERS.reader)]: config.secrets.clickhouse.reader,
    [passwordVariable('connect', CONNECT_ACCOUNTS.console)]: config.secrets.connect.console,
    [passwordVariable('kafka', KAFKA_PRINCIPALS.console)]: config.kafka.passwords[KAFKA_PRINCIPALS.console]!
  })
}

/** The console's local addresses (it reads the stack's config, one host for all) forwarded to the deployment's hosts. */
export function consoleForwards (config: StackConfig, target: Target): { localPort: number, host: string, port: number }[] {
  return [
    { localPort: config.ports.kafka, host: target.kafkaBootstrap.split(',')[0]!.split(':')[0]!, port: KAFKA_PORT },
    { localPort: config.ports.connect, host: target.connect.host, port: target.connect.port },
    { localPort: config.ports.mariadb, host: target.mariadb.host, port: target.mariadb.port },
    { localPort: config.ports.postgres, host: target.postgres.host, port: target.postgres.port },
    { localPort: config.ports.mailApi, host: target.smtp.host, port: target.smtp.apiPort },
    { localPort: config.ports.clickhouseHttp, host: target.clickhouse.host, port: target.clickhouse.httpPort },
    { localPort: config.ports.prometheus, host: target.prometheus.host, port: target.prometheus.port }
  ]
}

/** Broker settings of a three-node cluster as `RIPPLE_KAFKA_NODES=3 ./ripple up` writes them, without the per-node ones. */
export function clusterBrokerSettings (): Record<string, string | number | boolean> {
  const home = mkdtempSync(join(tmpdir(), 'ripple-deploy-'))
  try {
    const config = loadStackConfig({ RIPPLE_HOME: home, RIPPLE_KAFKA_NODES: '3' })
    // Security is the deployment's own (deploy/src/kafka-security.ts): the local one names local passwords.
    const perNode = /^(process\.roles|node\.id|controller\.|listeners|advertised\.listeners|inter\.broker\.listener\.name|listener\.security\.protocol\.map|log\.dirs|listener\.name\.|sasl\.|authorizer\.|allow\.everyone|super\.users)/
    return Object.fromEntries(Object.entries(kafkaProperties(config, config.kafka.nodes[0]!)).filter(([k]) => !perNode.test(k)))
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

/**
 * The Connect worker's settings as `RIPPLE_KAFKA_NODES=3 ./ripple up` writes them (the stack's
 * own prepare step, in a throwaway home), with this deployment's addresses.
 */
export async function connectWorkerSettings (target: Target, pluginPath: string): Promise<Record<string, string>> {
  const home = mkdtempSync(join(tmpdir(), 'ripple-deploy-'))
  try {
    const config = loadStackConfig({ RIPPLE_HOME: home, RIPPLE_KAFKA_NODES: '3' })
    const worker = connectWorkers(config)[0]!
    await worker.prepare()
    const text = readFileSync(join(config.paths.conf, 'connect-distributed.properties'), 'utf8')
    // The local worker's Kafka login (a file of the throwaway home) is not this deployment's: left out here.
    const localLogin = /^((producer|consumer|admin)\.)?(security\.protocol|sasl\.)/
    const settings = Object.fromEntries(text.split('\n').filter(l => l.includes('=') && !l.startsWith('#')).map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]).filter(([k]) => !localLogin.test(k!)))
    // Strimzi's operator manages the connectors through the REST API with no credentials and refuses
    // rest.* settings: on Kubernetes the door is a NetworkPolicy instead (deploy/src/k8s.ts).
    if (target.kind === 'kubernetes') delete settings['rest.extension.classes']
    return {
      ...settings,
      'bootstrap.servers': target.kafkaBootstrap,
      listeners: `http://0.0.0.0:${target.connect.port}`,
      'rest.advertised.host.name': target.connect.host,
      'rest.advertised.port': String(target.connect.port),
      'plugin.path': pluginPath,
      'config.providers.file.param.allowed.paths': dirname(target.connectSecretsFile),
      // Strimzi logs the workers in itself (KafkaConnect's authentication); Compose's read theirs from the secrets file.
      ...(target.kind === 'compose' ? connectWorkerLogin(target.connectSecretsFile) : {})
    }
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}
