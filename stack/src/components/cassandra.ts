import { existsSync, readdirSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import cassandraDriver from 'cassandra-driver'
import { AbortError } from 'p-retry'
import type { StackConfig } from '../config.ts'
import { CASSANDRA_ADMIN, endpoints } from '../config.ts'
import { StackError } from '../errors.ts'
import { CASSANDRA_JVM17_OPTIONS } from './cassandra.jvm17.ts'
import type { Component } from './component.ts'
import { handOver, openToComponents, dropsRoot } from './os-user.ts'
import { probe } from './probes.ts'

/** Seed 002's keyspace and table, as carga-service reads and writes them. */
export const CASSANDRA_KEYSPACE = 'my_keyspace'
export const CASSANDRA_TABLE = 'tabela'

/** Cassandra's classpath: a folder of its own, since its Netty, Guava and Jackson are not Kafka's. */
export function cassandraLibs (config: StackConfig): string {
  return join(config.paths.cache, 'cassandra-libs')
}

/**
 * The seed's `tabela` plus where each row came from: the carga_topic record (partition, offset)
 * whose value it holds, which is also the row's write timestamp (see carga-service).
 */
const SCHEMA = [
  `CREATE KEYSPACE IF NOT EXISTS ${CASSANDRA_KEYSPACE} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
  `CREATE TABLE IF NOT EXISTS ${CASSANDRA_KEYSPACE}.${CASSANDRA_TABLE} (id text PRIMARY KEY, valor text, topic_partition int, topic_offset bigint, request_id text, accepted_at timestamp)`
]

function yaml (config: StackConfig, dataDir: string): string {
  const { host } = config
  return [
    '# Written by ./ripple up on every start: edit stack/src/components/cassandra.ts instead.',
    'cluster_name: ripple',
    // One node owns the whole ring; several tokens would only slow the first start.
    'num_tokens: 1',
    'partitioner: org.apache.cassandra.dht.Murmur3Partitioner',
    'endpoint_snitch: SimpleSnitch',
    'seed_provider:',
    '  - class_name: org.apache.cassandra.locator.SimpleSeedProvider',
    '    parameters:',
    `      - seeds: "${host}:${config.ports.cassandraStorage}"`,
    `listen_address: ${host}`,
    `rpc_address: ${host}`,
    `storage_port: ${config.ports.cassandraStorage}`,
    `native_transport_port: ${config.ports.cassandra}`,
    'start_native_transport: true',
    `data_file_directories: [${join(dataDir, 'data')}]`,
    `commitlog_directory: ${join(dataDir, 'commitlog')}`,
    `saved_caches_directory: ${join(dataDir, 'saved_caches')}`,
    `hints_directory: ${join(dataDir, 'hints')}`,
    `cdc_raw_directory: ${join(dataDir, 'cdc_raw')}`,
    // A write is in the commit log (the OS's page cache) before it is acknowledged, so a killed
    // process loses nothing; a lost machine loses at most this much, which carga_topic replays.
    'commitlog_sync: periodic',
    'commitlog_sync_period: 10000ms',
    'disk_failure_policy: stop',
    'commit_failure_policy: stop',
    // Two cores shared with the rest of the stack.
    'concurrent_reads: 8',
    'concurrent_writes: 16',
    'concurrent_compactors: 1',
    // Every client logs in with a role (`up` makes them, see setUpRoles); a role reads and writes
    // only what it was granted.
    'authenticator: PasswordAuthenticator',
    'authorizer: CassandraAuthorizer',
    'role_manager: CassandraRoleManager',
    // A single node: no other data centre's replicas to wait for, no repairs to track.
    'hinted_handoff_enabled: false',
    // The stack's own instance leaves no snapshots behind when tests drop their tables.
    'auto_snapshot: false',
    ''
  ].join('\n')
}

function logback (): string {
  return [
    '<configuration>',
    '  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">',
    // Parentheses group in logback's patterns: the logger's name is wrapped in escaped ones.
    '    <encoder><pattern>[%date{ISO8601}] %level %msg \\(%logger{0}\\)%n</pattern></encoder>',
    '  </appender>',
    '  <root level="INFO"><appender-ref ref="STDOUT"/></root>',
    '</configuration>',
    ''
  ].join('\n')
}

/** The superuser Cassandra makes at its first start with authentication on, which `up` replaces and drops. */
const DEFAULT_SUPERUSER = { user: 'cassandra', password: 'cassandra' }

/** A CQL string literal: single quotes doubled (CQL takes no bind markers in role statements). */
const literal = (text: string): string => `'${text.replaceAll('\'', '\'\'')}'`

/** Whether the driver's connect failed because the credentials were refused (not because Cassandra is down). */
export function refusedLogin (err: unknown): boolean {
  if (err instanceof cassandraDriver.errors.AuthenticationError) return true
  const inner = err instanceof cassandraDriver.errors.NoHostAvailableError ? Object.values(err.innerErrors as Record<string, unknown>) : []
  return inner.length > 0 && inner.every(e => e instanceof cassandraDriver.errors.AuthenticationError)
}

/** Apache Cassandra 5.0, one node, run from its Maven jars as a plain JVM process (seed 002's store). */
export function cassandra (config: StackConfig): Component {
  const dataDir = join(config.paths.data, 'cassandra')
  const yamlFile = join(config.paths.conf, 'cassandra.yaml')
  const logbackFile = join(config.paths.conf, 'cassandra-logback.xml')
  // Under a root `up` Cassandra runs as an account of its own, owning its data and its settings.
  const osUser = dropsRoot() ? 'ripple-cassandra' : undefined
  const libs = cassandraLibs(config)
  const contactPoint = endpoints(config).cassandra

  const admin = endpoints(config).cassandraAdmin

  /** A client for one piece of work: the health probe and the set-up each connect and leave. */
  async function withClient<T> (work: (client: cassandraDriver.Client) => Promise<T>, login: { user: string, password: string } = admin): Promise<T> {
    const client = new cassandraDriver.Client({
      contactPoints: [contactPoint],
      localDataCenter: 'datacenter1',
      authProvider: new cassandraDriver.auth.PlainTextAuthProvider(login.user, login.password),
      socketOptions: { connectTimeout: 2000, readTimeout: 10_000 }
    })
    try {
      await client.connect()
      return await work(client)
    } finally {
      await client.shutdown().catch(() => {})
    }
  }

  /**
   * The stack's superuser role with its own password instead of the public default: made through
   * the default superuser at the first start, which then is dropped (a fresh data folder makes it
   * again only while no role exists). Later starts log in as the stack's and set its password,
   * so a changed RIPPLE_CASSANDRA_RIPPLE_PASSWORD takes effect.
   */
  async function setUpAdmin (): Promise<void> {
    const password = literal(admin.password)
    try {
      await withClient(client => client.execute(`ALTER ROLE ${CASSANDRA_ADMIN} WITH PASSWORD = ${password}`))
    } catch (err) {
      // A Cassandra started before its config asked for logins (AllowAllAuthenticator) takes any client and no password.
      if (/doesn't support PASSWORD/.test((err as Error).message)) {
        throw new AbortError(new StackError('CASSANDRA_RESTART', 'Cassandra still runs without authentication (started before its config asked for it): run ./ripple stop cassandra and ./ripple up.'))
      }
      if (!refusedLogin(err)) throw err
      await withClient(async client => {
        await client.execute(`CREATE ROLE IF NOT EXISTS ${CASSANDRA_ADMIN} WITH SUPERUSER = true AND LOGIN = true AND PASSWORD = ${password}`)
        await client.execute(`ALTER ROLE ${CASSANDRA_ADMIN} WITH SUPERUSER = true AND LOGIN = true AND PASSWORD = ${password}`)
      }, DEFAULT_SUPERUSER).catch((e: unknown) => {
        if (!refusedLogin(e)) throw e
        throw new StackError('CASSANDRA_LOGIN', `Cassandra refuses the stack's role ${CASSANDRA_ADMIN} (its password changed since it was made, and the default superuser is gone): set RIPPLE_CASSANDRA_RIPPLE_PASSWORD to the password it was made with, or delete ${dataDir} to start over.`)
      })
    }
    await withClient(client => client.execute(`DROP ROLE IF EXISTS ${DEFAULT_SUPERUSER.user}`))
  }

  return {
    name: 'cassandra',
    dependsOn: [],
    address: () => contactPoint,
    ports: () => [
      { port: config.ports.cassandra, what: 'Cassandra CQL (RIPPLE_CASSANDRA_PORT)' },
      { port: config.ports.cassandraStorage, what: 'Cassandra storage (RIPPLE_CASSANDRA_STORAGE_PORT)' }
    ],
    binaries: () => [{ path: 'java', aptPackage: 'openjdk-17-jre-headless' }],

    async prepare () {
      await mkdir(dataDir, { recursive: true })
      await mkdir(config.paths.conf, { recursive: true })
      await writeFile(yamlFile, yaml(config, dataDir))
      await writeFile(logbackFile, logback())
      if (osUser) {
        await openToComponents([libs])
        await handOver(osUser, [dataDir, yamlFile, logbackFile])
      }
    },

    process: () => {
      // jamm measures memtable sizes; as an agent it sizes objects exactly instead of guessing.
      const jamm = existsSync(libs) ? readdirSync(libs).find(f => /^jamm-.*\.jar$/.test(f)) : undefined
      return {
        command: 'java',
        args: [
          // Cassandra mlockall()s what is mapped at start: a heap committed in full would be resident in full even idle.
          '-Xms256m', '-Xmx768m', '-Xss256k',
          // Out of memory its state is no longer to be trusted: exit, and the supervisor starts it again.
          '-XX:+ExitOnOutOfMemoryError',
          '-XX:+UseG1GC', '-XX:+ParallelRefProcEnabled', '-XX:MaxTenuringThreshold=1', '-XX:G1HeapRegionSize=16m', '-XX:MaxGCPauseMillis=300',
          ...CASSANDRA_JVM17_OPTIONS,
          ...(jamm ? [`-javaagent:${join(libs, jamm)}`] : []),
          '-Djava.awt.headless=true',
          `-Dcassandra.config=file://${yamlFile}`,
          `-Dcassandra.storagedir=${dataDir}`,
          `-Dlogback.configurationFile=${logbackFile}`,
          '-Dcassandra-foreground=yes',
          // One node: nobody to gossip with, so waiting for the ring to settle only delays the start.
          '-Dcassandra.skip_wait_for_gossip_to_settle=0',
          '-Dcassandra.ring_delay_ms=1000',
          // The default superuser (replaced at once by `up`) is made at start instead of 10 s later.
          '-Dcassandra.superuser_setup_delay_ms=0',
          // No JMX: with neither cassandra.jmx.local.port nor .remote.port set the daemon opens none.
          '-cp', join(libs, '*'),
          'org.apache.cassandra.service.CassandraDaemon'
        ],
        // SIGTERM runs Cassandra's drain hook: memtables flushed, commit log closed.
        stopTimeoutMs: 60_000,
        // Its memory lock (mlockall) needs a limit an unprivileged account lacks: Cassandra warns and runs on.
        ...(osUser ? { user: osUser } : {})
      }
    },

    async afterStart () {
      await setUpAdmin()
      await withClient(async client => {
        for (const statement of SCHEMA) await client.execute(statement)
        // Each service's role: its keyspace's tables, read and written, nothing else (no DDL, no other keyspace, no roles).
        for (const s of config.services) {
          if (!s.cassandra) continue
          await client.execute(`CREATE ROLE IF NOT EXISTS ${s.cassandra.user} WITH LOGIN = true AND PASSWORD = ${literal(s.cassandra.password)}`)
          await client.execute(`ALTER ROLE ${s.cassandra.user} WITH LOGIN = true AND PASSWORD = ${literal(s.cassandra.password)}`)
          await client.execute(`GRANT SELECT ON KEYSPACE ${s.cassandra.keyspace} TO ${s.cassandra.user}`)
          await client.execute(`GRANT MODIFY ON KEYSPACE ${s.cassandra.keyspace} TO ${s.cassandra.user}`)
        }
      })
    },

    // Before `up` made the stack's superuser, Cassandra's first start knows only its default one.
    health: () => probe('Cassandra CQL', () => withClient(client => client.execute('SELECT release_version FROM system.local')).catch(async (err: unknown) => {
      if (!refusedLogin(err)) throw err
      return await withClient(client => client.execute('SELECT release_version FROM system.local'), DEFAULT_SUPERUSER)
    }))
  }
}
