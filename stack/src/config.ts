import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ConnectTarget, KafkaSasl, KafkaTarget } from '@ripple/operations'
import { z } from 'zod'
import { StackError } from './errors.ts'
import { readServiceRegistry } from './registry.ts'
import { databasePasswords, loadLocalSecrets, publicKeysOf } from './secrets.ts'
import type { DatabaseEngine, LocalSecrets, PublicKeyName, PublicKeys, SecretName } from './secrets.ts'

// The stack's one reader of process.env: every port, path and secret is validated here once,
// so a typo in an override fails at start-up instead of as a puzzling connection error.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback)

const envSchema = z.object({
  RIPPLE_HOME: z.string().default(join(repoRoot, '.ripple')),
  RIPPLE_HOST: z.string().default('127.0.0.1'),
  RIPPLE_KAFKA_PORT: port(9092),
  RIPPLE_KAFKA_CONTROLLER_PORT: port(9093),
  RIPPLE_CONNECT_PORT: port(8083),
  // Unset: the count the last `up` of this RIPPLE_HOME recorded (see KAFKA_NODES_FILE), else 1.
  RIPPLE_KAFKA_NODES: z.coerce.number().pipe(z.union([z.literal(1), z.literal(3), z.literal(5)], { error: 'must be 1, or 3 or 5 for a cluster that outlives one (or two) lost nodes' })).optional(),
  // Unset: 1 with one Kafka node, 2 with a cluster.
  RIPPLE_CONNECT_WORKERS: z.coerce.number().int().min(1).max(5).optional(),
  RIPPLE_MARIADB_PORT: port(3307),
  RIPPLE_POSTGRES_PORT: port(5433),
  RIPPLE_SMTP_PORT: port(1025),
  RIPPLE_MAIL_API_PORT: port(8025),
  RIPPLE_CLICKHOUSE_HTTP_PORT: port(8123),
  RIPPLE_CLICKHOUSE_TCP_PORT: port(9000),
  RIPPLE_PROMETHEUS_PORT: port(9090),
  RIPPLE_CONSOLE_PORT: port(8090),
  // More Host names the console answers to (`name` or `name:port`, comma-separated), besides 127.0.0.1:<port> and localhost:<port>.
  RIPPLE_CONSOLE_HOSTS: z.string().default('').transform(v => v.split(',').map(h => h.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/, 'lists Host names as name or name:port, comma-separated'))),
  // A console session ends after this long without a request, and after the second one whatever happens.
  RIPPLE_CONSOLE_SESSION_IDLE_MS: z.coerce.number().int().min(1000).default(30 * 60_000),
  RIPPLE_CONSOLE_SESSION_MAX_MS: z.coerce.number().int().min(1000).default(12 * 3_600_000),
  RIPPLE_CASSANDRA_PORT: port(9042),
  // Cassandra's inter-node port: one node talks to nobody, but it binds it all the same.
  RIPPLE_CASSANDRA_STORAGE_PORT: port(7000),
  RIPPLE_GATEWAY_PORT: port(8080),
  RIPPLE_GATEWAY_METRICS_PORT: port(8405),
  // The two local addresses webhooks may reach: the stack's own receiver (packages/webhook-receiver,
  // which records what it gets, for trying webhooks), and a port nothing of the stack listens on,
  // for a receiver a test runs with answers of its own (failures, then success).
  RIPPLE_WEBHOOK_RECEIVER_PORT: port(8098),
  RIPPLE_WEBHOOK_TEST_PORT: port(8097),
  // Database passwords: generated per RIPPLE_HOME (stack/src/secrets.ts) unless set here.
  RIPPLE_MARIADB_PASSWORD: z.string().min(1).optional(),
  RIPPLE_MARIADB_CDC_PASSWORD: z.string().min(1).optional(),
  RIPPLE_MARIADB_ROOT_PASSWORD: z.string().min(1).optional(),
  RIPPLE_POSTGRES_PASSWORD: z.string().min(1).optional(),
  RIPPLE_POSTGRES_JDBC_SINK_PASSWORD: z.string().min(1).optional(),
  RIPPLE_POSTGRES_CDC_PASSWORD: z.string().min(1).optional(),
  RIPPLE_MARIADB_JDBC_SINK_PASSWORD: z.string().min(1).optional(),
  // The Kafka principal this process's own clients act as: the CLI's by default; the console and tests name theirs.
  RIPPLE_KAFKA_PRINCIPAL: z.enum(['ripple-cli', 'console', 'ripple-test']).default('ripple-cli'),
  RIPPLE_MARIADB_CONSOLE_PASSWORD: z.string().min(1).optional(),
  RIPPLE_POSTGRES_CONSOLE_PASSWORD: z.string().min(1).optional(),
  RIPPLE_KAFKA_HEAP: z.string().default('-Xms256m -Xmx1g'),
  RIPPLE_CONNECT_HEAP: z.string().default('-Xms256m -Xmx1g'),
  RIPPLE_PG_BINDIR: z.string().optional(),
  RIPPLE_START_TIMEOUT_MS: z.coerce.number().int().positive().default(180_000)
})

/** RIPPLE_* variables that carry a secret: a process gets its own through its spec, never all of them. */
const SECRET_VARIABLE = /PASSWORD|SECRET|_KEY$/

export interface ServiceDefinition {
  /** Folder under services/, also the process name. */
  name: string
  port: number
  portVariable: string
  /**
   * A service that reads a connector's topic starts after `./ripple up` applied the
   * connectors; one that owns a captured table starts before, so its migration made the table.
   */
  afterConnectors: boolean
  order: number
  /** The generated secrets it receives as environment variables. */
  secrets: readonly SecretName[]
  /** The stack's public keys it receives as environment variables (JWT_PUBLIC_KEY). */
  publicKeys: readonly PublicKeyName[]
  /** The database it owns and its own account there (registry's "database"); none: no database credentials. */
  database?: DatabaseAccount
  /** Its Cassandra role, with SELECT and MODIFY on its keyspace only (registry's "cassandra"). */
  cassandra?: { readonly keyspace: string, readonly user: string, readonly password: string }
  /** What it does on Kafka (registry's "kafka"): the ACLs of its principal, `User:<name>`. */
  kafka: KafkaRights
}

/** A service's declared Kafka use: exact topic and group names. */
export interface KafkaRights {
  readonly consumes: readonly string[]
  readonly produces: readonly string[]
  readonly groups: readonly string[]
}

/** Kafka principals of the stack itself (SCRAM-SHA-512 users); each service's is its folder name. */
export const KAFKA_PRINCIPALS = { admin: 'admin', connect: 'connect', console: 'console', cli: 'ripple-cli', test: 'ripple-test', clickhouse: 'clickhouse' } as const

/** One database account of the stack: who it is, where it may work, its password. */
export interface DatabaseAccount {
  readonly engine: DatabaseEngine
  /** The database it owns (all rights there, none elsewhere). */
  readonly database: string
  readonly user: string
  readonly password: string
}

/** One Kafka node (broker and controller): the first is `kafka`, the others `kafka-2`, `kafka-3`… */
export interface KafkaNode {
  readonly name: string
  readonly id: number
  readonly port: number
  readonly controllerPort: number
  readonly dataDir: string
}

/** One Kafka Connect worker of the stack's Connect group: `connect`, then `connect-2`… */
export interface ConnectWorker {
  readonly name: string
  readonly port: number
}

/** Where `up` records the node count it started, so later commands without RIPPLE_KAFKA_NODES see the same cluster. */
export const KAFKA_NODES_FILE = 'kafka-nodes'

// Each further node or worker listens 100 above the one before: 9092, 9192, 9292 for brokers.
const PORT_STEP = 100

/** The admin, CDC and JDBC sink accounts' names (the stack's own; services have their own accounts). */
export const ACCOUNTS = { mariadbAdmin: 'ripple', mariadbCdc: 'debezium', mariadbRoot: 'root', postgresAdmin: 'postgres', jdbcSink: 'jdbc_sink', console: 'console' } as const

/**
 * Cassandra's superuser role (`up`'s set-up, health checks, tests); a service's own role comes
 * from its registry entry. The built-in `cassandra` superuser is dropped by `up`.
 */
export const CASSANDRA_ADMIN = 'ripple'

/**
 * ClickHouse's users: `default` (the stack's set-up and its Kafka engine tables) with a password,
 * and `reader` (profile readonly) for whoever only reads: the console, tests, benchmarks.
 */
export const CLICKHOUSE_USERS = { admin: 'default', reader: 'reader' } as const

/** Kafka Connect's REST API accounts (HTTP Basic): `./ripple` itself (up, connectors, tests), the gateway, the console. */
export const CONNECT_ACCOUNTS = { cli: 'ripple-cli', gateway: 'gateway', console: 'console' } as const
export type ConnectAccount = keyof typeof CONNECT_ACCOUNTS

/**
 * The services' ports by camel-cased folder name (user-service → userService), for code that
 * names a service; a service added later is there too, reached as `servicePort(config, name)`.
 */
export interface KnownServicePorts {
  readonly userService: number
  readonly notificationService: number
  readonly postService: number
  readonly subscribeService: number
  readonly receiver: number
  readonly processor: number
  readonly converter: number
  readonly informer: number
}

export interface StackConfig {
  readonly repoRoot: string
  readonly host: string
  readonly ports: {
    readonly kafka: number
    readonly kafkaController: number
    readonly connect: number
    readonly mariadb: number
    readonly postgres: number
    readonly smtp: number
    readonly mailApi: number
    readonly clickhouseHttp: number
    readonly clickhouseTcp: number
    readonly prometheus: number
    readonly console: number
    readonly cassandra: number
    readonly cassandraStorage: number
    readonly gateway: number
    readonly gatewayMetrics: number
    readonly webhookReceiver: number
    readonly webhookTest: number
  } & KnownServicePorts
  /** Every service folder whose package.json has a "ripple" field, in start order, ports resolved. */
  readonly services: readonly ServiceDefinition[]
  readonly paths: {
    readonly home: string
    readonly cache: string
    readonly kafkaLibs: string
    readonly connectPlugins: string
    readonly data: string
    readonly logs: string
    readonly run: string
    readonly conf: string
    readonly pm2: string
  }
  readonly secrets: {
    /** MariaDB's admin account `ripple` (tests' scratch databases; no service uses it). */
    readonly mariadbPassword: string
    readonly mariadbCdcPassword: string
    /** root@localhost: reachable only through the socket in a 0700 folder, and with this password. */
    readonly mariadbRootPassword: string
    /** PostgreSQL's superuser `postgres` over TCP (tests' scratch databases); the stack itself connects by peer. */
    readonly postgresPassword: string
    /** The JDBC sink's role: SELECT, INSERT, UPDATE on jobs.jobs only. */
    readonly jdbcSinkPassword: string
    /** Debezium's PostgreSQL role (REPLICATION, SELECT on carga's tables): seed 002's source connector. */
    readonly postgresCdcPassword: string
    /** The JDBC sink's MariaDB account (carga.tabela only): seed 002's sink connector. */
    readonly mariadbJdbcSinkPassword: string
    /** Cassandra's superuser role `ripple` (RIPPLE_CASSANDRA_RIPPLE_PASSWORD overrides it). */
    readonly cassandraAdminPassword: string
    /** ClickHouse's users' passwords (RIPPLE_CLICKHOUSE_DEFAULT_PASSWORD, RIPPLE_CLICKHOUSE_READER_PASSWORD override them). */
    readonly clickhouse: Readonly<Record<keyof typeof CLICKHOUSE_USERS, string>>
    /** Kafka Connect's REST API accounts' passwords (RIPPLE_CONNECT_<ACCOUNT>_PASSWORD overrides each). */
    readonly connect: Readonly<Record<ConnectAccount, string>>
    /** The web console's read-only accounts (SELECT on the columns its pages show, nothing else). */
    readonly consoleMariadbPassword: string
    readonly consolePostgresPassword: string
    /** Generated once per RIPPLE_HOME (stack/src/secrets.ts): access-token key, admin key, confirmation-link key. */
    readonly generated: LocalSecrets
  }
  /** Derived from the generated secrets, and no secret: user-service's public key. */
  readonly publicKeys: PublicKeys
  readonly kafka: {
    /** Every node, the first one `kafka`; one node unless RIPPLE_KAFKA_NODES says otherwise. */
    readonly nodes: readonly KafkaNode[]
    /** For every topic the stack creates and Kafka's own: 3 on a cluster (at most the node count). */
    readonly replicationFactor: number
    /** Replicas an acks=all write needs: 2 on a three-node cluster, so one node may be lost. */
    readonly minInsyncReplicas: number
    /** The principal this process's own Kafka clients use (RIPPLE_KAFKA_PRINCIPAL). */
    readonly principal: string
    /** Every principal's SCRAM password (derived like database passwords; RIPPLE_KAFKA_<NAME>_PASSWORD overrides one). */
    readonly passwords: Readonly<Record<string, string>>
  }
  /** This process's Kafka client settings (brokers, its principal's login, replication), as the shared operations take them. */
  readonly kafkaClient: KafkaTarget
  readonly connectWorkers: readonly ConnectWorker[]
  /** The web console's own settings (console/). */
  readonly console: {
    /** Host header values it answers to besides 127.0.0.1:<port> and localhost:<port>; a name without a port means its own port. */
    readonly hosts: readonly string[]
    readonly sessionIdleMs: number
    readonly sessionMaxMs: number
  }
  readonly jvm: { readonly kafkaHeap: string[]; readonly connectHeap: string[] }
  readonly pgBinDir: string | undefined
  readonly startTimeoutMs: number
  /** RIPPLE_* overrides, handed on to every process the stack starts: ports and paths, never a password or secret. */
  readonly childEnv: Record<string, string>
}

export function loadStackConfig (env: NodeJS.ProcessEnv = process.env): StackConfig {
  const registry = readServiceRegistry(repoRoot)
  // Each service's port variable is validated like the stack's own, with the registry's default.
  const servicePorts = z.object(Object.fromEntries(registry.map(r => [r.portVariable, port(r.port)])))
  const parsed = envSchema.and(servicePorts).safeParse(env)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new StackError('INVALID_ENV', `Invalid environment variable ${String(issue?.path[0])}: ${issue?.message}. Fix or unset it and run again.`)
  }
  const e = parsed.data
  const resolvedPorts = parsed.data as Record<string, number>
  const home = resolve(e.RIPPLE_HOME)
  const password = databasePasswords(home, env)
  const generated = loadLocalSecrets(home, env)
  const services: ServiceDefinition[] = registry.map(r => ({
    name: r.name,
    port: resolvedPorts[r.portVariable] ?? r.port,
    portVariable: r.portVariable,
    afterConnectors: r.after === 'connectors',
    order: r.order,
    secrets: r.secrets,
    publicKeys: r.publicKeys,
    ...(r.database
      ? { database: { engine: r.database.engine, database: r.database.name, user: r.database.account, password: password(r.database.engine, r.database.account) } }
      : {}),
    kafka: r.kafka ?? { consumes: [], produces: [], groups: [] },
    ...(r.cassandra ? { cassandra: { keyspace: r.cassandra.keyspace, user: r.cassandra.role, password: password('cassandra', r.cassandra.role) } } : {})
  }))
  const kafkaPrincipals = [...Object.values(KAFKA_PRINCIPALS), ...services.map(s => s.name)]
  const recordedNodes = join(home, 'conf', KAFKA_NODES_FILE)
  const nodeCount = e.RIPPLE_KAFKA_NODES ?? (existsSync(recordedNodes) ? Number(readFileSync(recordedNodes, 'utf8').trim()) || 1 : 1)
  const replicationFactor = Math.min(3, nodeCount)
  const nodes: KafkaNode[] = Array.from({ length: nodeCount }, (_, i) => ({
    name: i === 0 ? 'kafka' : `kafka-${i + 1}`,
    id: i + 1,
    port: e.RIPPLE_KAFKA_PORT + PORT_STEP * i,
    controllerPort: e.RIPPLE_KAFKA_CONTROLLER_PORT + PORT_STEP * i,
    // A cluster's nodes keep their logs apart from the one-node stack's, so switching back and forth loses neither.
    dataDir: nodeCount === 1 ? join(home, 'data', 'kafka') : join(home, 'data', `kafka-${nodeCount}-nodes`, `node-${i + 1}`)
  }))
  const workers = e.RIPPLE_CONNECT_WORKERS ?? (nodeCount > 1 ? 2 : 1)
  const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())
  const cache = join(home, 'cache')
  return {
    repoRoot,
    host: e.RIPPLE_HOST,
    ports: {
      kafka: e.RIPPLE_KAFKA_PORT,
      kafkaController: e.RIPPLE_KAFKA_CONTROLLER_PORT,
      connect: e.RIPPLE_CONNECT_PORT,
      mariadb: e.RIPPLE_MARIADB_PORT,
      postgres: e.RIPPLE_POSTGRES_PORT,
      smtp: e.RIPPLE_SMTP_PORT,
      mailApi: e.RIPPLE_MAIL_API_PORT,
      ...Object.fromEntries(services.map(s => [camel(s.name), s.port])) as unknown as KnownServicePorts,
      clickhouseHttp: e.RIPPLE_CLICKHOUSE_HTTP_PORT,
      clickhouseTcp: e.RIPPLE_CLICKHOUSE_TCP_PORT,
      prometheus: e.RIPPLE_PROMETHEUS_PORT,
      console: e.RIPPLE_CONSOLE_PORT,
      cassandra: e.RIPPLE_CASSANDRA_PORT,
      cassandraStorage: e.RIPPLE_CASSANDRA_STORAGE_PORT,
      gateway: e.RIPPLE_GATEWAY_PORT,
      gatewayMetrics: e.RIPPLE_GATEWAY_METRICS_PORT,
      webhookReceiver: e.RIPPLE_WEBHOOK_RECEIVER_PORT,
      webhookTest: e.RIPPLE_WEBHOOK_TEST_PORT
    },
    services,
    paths: {
      home,
      cache,
      kafkaLibs: join(cache, 'kafka-libs'),
      connectPlugins: join(cache, 'connect-plugins'),
      data: join(home, 'data'),
      logs: join(home, 'logs'),
      run: join(home, 'run'),
      conf: join(home, 'conf'),
      pm2: join(home, 'pm2')
    },
    secrets: {
      mariadbPassword: password('mariadb', ACCOUNTS.mariadbAdmin, 'RIPPLE_MARIADB_PASSWORD'),
      mariadbCdcPassword: password('mariadb', ACCOUNTS.mariadbCdc, 'RIPPLE_MARIADB_CDC_PASSWORD'),
      mariadbRootPassword: password('mariadb', ACCOUNTS.mariadbRoot, 'RIPPLE_MARIADB_ROOT_PASSWORD'),
      postgresPassword: password('postgres', ACCOUNTS.postgresAdmin, 'RIPPLE_POSTGRES_PASSWORD'),
      jdbcSinkPassword: password('postgres', ACCOUNTS.jdbcSink, 'RIPPLE_POSTGRES_JDBC_SINK_PASSWORD'),
      postgresCdcPassword: password('postgres', ACCOUNTS.mariadbCdc, 'RIPPLE_POSTGRES_CDC_PASSWORD'),
      mariadbJdbcSinkPassword: password('mariadb', ACCOUNTS.jdbcSink, 'RIPPLE_MARIADB_JDBC_SINK_PASSWORD'),
      cassandraAdminPassword: password('cassandra', CASSANDRA_ADMIN),
      clickhouse: { admin: password('clickhouse', CLICKHOUSE_USERS.admin), reader: password('clickhouse', CLICKHOUSE_USERS.reader) },
      connect: { cli: password('connect', CONNECT_ACCOUNTS.cli), gateway: password('connect', CONNECT_ACCOUNTS.gateway), console: password('connect', CONNECT_ACCOUNTS.console) },
      consoleMariadbPassword: password('mariadb', ACCOUNTS.console),
      consolePostgresPassword: password('postgres', ACCOUNTS.console),
      generated
    },
    publicKeys: publicKeysOf(generated),
    kafka: {
      nodes,
      replicationFactor,
      minInsyncReplicas: replicationFactor > 2 ? 2 : 1,
      principal: e.RIPPLE_KAFKA_PRINCIPAL,
      passwords: Object.fromEntries(kafkaPrincipals.map(p => [p, password('kafka', p)]))
    },
    // Read when used, as endpoints() is: an unknown RIPPLE_KAFKA_PRINCIPAL fails the client, not the config.
    get kafkaClient (): KafkaTarget {
      return { brokers: nodes.map(n => `${e.RIPPLE_HOST}:${n.port}`), sasl: kafkaSasl(this, e.RIPPLE_KAFKA_PRINCIPAL), replicationFactor }
    },
    console: { hosts: e.RIPPLE_CONSOLE_HOSTS, sessionIdleMs: e.RIPPLE_CONSOLE_SESSION_IDLE_MS, sessionMaxMs: e.RIPPLE_CONSOLE_SESSION_MAX_MS },
    connectWorkers: Array.from({ length: workers }, (_, i) => ({ name: i === 0 ? 'connect' : `connect-${i + 1}`, port: e.RIPPLE_CONNECT_PORT + PORT_STEP * i })),
    jvm: {
      kafkaHeap: e.RIPPLE_KAFKA_HEAP.split(/\s+/).filter(Boolean),
      connectHeap: e.RIPPLE_CONNECT_HEAP.split(/\s+/).filter(Boolean)
    },
    pgBinDir: e.RIPPLE_PG_BINDIR,
    startTimeoutMs: e.RIPPLE_START_TIMEOUT_MS,
    childEnv: Object.fromEntries(Object.entries(env).filter((kv): kv is [string, string] => kv[0].startsWith('RIPPLE_') && !SECRET_VARIABLE.test(kv[0]) && kv[1] !== undefined))
  }
}

/** Addresses clients use, derived from the config so tests and services agree with the stack. */
export function endpoints (config: StackConfig) {
  const h = config.host
  return {
    kafkaBrokers: config.kafka.nodes.map(n => `${h}:${n.port}`),
    /** This process's Kafka credentials (RIPPLE_KAFKA_PRINCIPAL): every client the stack's code builds passes them as `sasl`. */
    kafkaSasl: kafkaSasl(config, config.kafka.principal),
    /** The first worker's REST API: any worker of the group answers for all (writes are forwarded to the leader). */
    connectUrl: `http://${h}:${config.ports.connect}`,
    /** The same, with `./ripple`'s own credentials: what every call of the stack, the CLI and the tests goes through. */
    connect: connectTarget(config, 'cli'),
    connectUrls: config.connectWorkers.map(w => `http://${h}:${w.port}`),
    mailApiUrl: `http://${h}:${config.ports.mailApi}`,
    clickhouseUrl: `http://${h}:${config.ports.clickhouseHttp}`,
    /** ClickHouse's read-only user (tests, benchmarks): SELECT only. */
    clickhouse: clickhouseTarget(config, 'reader'),
    prometheusUrl: `http://${h}:${config.ports.prometheus}`,
    consoleUrl: `http://${h}:${config.ports.console}`,
    /** Cassandra's CQL endpoint (seed 002's store), `host:port` as cassandra-driver's contactPoints take it. */
    cassandra: `${h}:${config.ports.cassandra}`,
    /** Cassandra's superuser role: tests' and the stack's own checks; carga-service has its own role. */
    cassandraAdmin: { user: CASSANDRA_ADMIN, password: config.secrets.cassandraAdminPassword },
    gatewayUrl: `http://${h}:${config.ports.gateway}`,
    /** The admin account: tests' scratch databases and checks; services have their own accounts. */
    mariadb: { host: h, port: config.ports.mariadb, user: ACCOUNTS.mariadbAdmin, password: config.secrets.mariadbPassword },
    mariadbCdc: { user: ACCOUNTS.mariadbCdc, password: config.secrets.mariadbCdcPassword },
    /** The superuser over TCP: tests' scratch databases and checks; services have their own roles. */
    postgres: { host: h, port: config.ports.postgres, user: ACCOUNTS.postgresAdmin, password: config.secrets.postgresPassword },
    /** The web console's read-only accounts: its pages never read through the admin account or the superuser. */
    consoleMariadb: { host: h, port: config.ports.mariadb, user: ACCOUNTS.console, password: config.secrets.consoleMariadbPassword },
    consolePostgres: { host: h, port: config.ports.postgres, user: ACCOUNTS.console, password: config.secrets.consolePostgresPassword },
    smtp: { host: h, port: config.ports.smtp }
  }
}
export type Endpoints = ReturnType<typeof endpoints>

/** One principal's SASL settings for @platformatic/kafka: the one way stack code builds a client's `sasl`. */
export function kafkaSasl (config: StackConfig, principal: string): KafkaSasl {
  const password = config.kafka.passwords[principal]
  if (password === undefined) throw new StackError('UNKNOWN_PRINCIPAL', `There is no Kafka principal "${principal}": name one of ${Object.keys(config.kafka.passwords).join(', ')}.`)
  return { mechanism: 'SCRAM-SHA-512', username: principal, password }
}

export function connectTarget (config: StackConfig, account: ConnectAccount, url = `http://${config.host}:${config.ports.connect}`): ConnectTarget {
  return { url, authorization: basicAuthorization(CONNECT_ACCOUNTS[account], config.secrets.connect[account]) }
}

export function basicAuthorization (user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
}

/** ClickHouse's HTTP interface and one of its users' HTTP Basic credentials. */
export interface ClickhouseTarget {
  readonly url: string
  readonly authorization: string
}

export function clickhouseTarget (config: StackConfig, user: keyof typeof CLICKHOUSE_USERS): ClickhouseTarget {
  return { url: `http://${config.host}:${config.ports.clickhouseHttp}`, authorization: basicAuthorization(CLICKHOUSE_USERS[user], config.secrets.clickhouse[user]) }
}

/** A registered service's port, by its folder name. */
export function servicePort (config: StackConfig, name: string): number {
  const found = config.services.find(s => s.name === name)
  if (!found) throw new StackError('UNKNOWN_SERVICE', `There is no service "${name}": name one of ${config.services.map(s => s.name).join(', ')} (a service runs once its package.json has a "ripple" field).`)
  return found.port
}
