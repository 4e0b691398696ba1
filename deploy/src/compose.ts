import type { StackConfig } from '@ripple/stack'
import { CLICKHOUSE_USERS, CONNECT_ACCOUNTS, endpoints, KAFKA_PRINCIPALS } from '@ripple/stack'
import { CONNECT_AUTHORIZATION_VARIABLE } from '@ripple/stack/components'
import { composeBrokerSecurity, kafkaPasswordVariable } from './kafka-security.ts'
import { cassandraInit, CASSANDRA_JVM_OPTIONS, CLICKHOUSE_ENV, mariadbInit, OPERATOR_KEY_HASH_VARIABLE, postgresInit, PROMETHEUS_RULES_DIR } from './configs.ts'
import { ACCOUNT_PASSWORD_VARIABLES, connectAuthorizationVariable, serviceDependsOn } from './sources.ts'
import type { ContainerEnv, Target } from './target.ts'
import { clusterBrokerSettings, COMPOSE_CONNECT_JAAS, COMPOSE_KAFKA_NODES, CONNECT_REST_CREDENTIALS_FILE, consoleContainerEnv, consoleForwards, KAFKA_CONTROLLER_PORT, KAFKA_PORT, kafkaNodeHost, serviceContainerEnv } from './target.ts'
import { CASSANDRA_IMAGE, CLICKHOUSE_IMAGE, connectImage, HAPROXY_IMAGE, imageUser, kafkaImage, MARIADB_IMAGE, POSTGRES_IMAGE, PROMETHEUS_IMAGE, rippleImage } from './images.ts'

type Service = Record<string, unknown>

/** A value from `.env` (or the shell): Compose refuses to start when it is unset, naming it. */
export const fromEnv = (variable: string): string => `\${${variable}:?set ${variable} in deploy/compose/.env (node deploy/src/generate.ts secrets)}`

const environment = (env: ContainerEnv): Record<string, string> => ({
  ...env.plain,
  ...Object.fromEntries(Object.entries(env.secret).map(([key, variable]) => [key, fromEnv(variable)]))
})

// Compose would read "$" as the start of a variable: literal ones are doubled.
const literal = (text: string): string => text.replace(/\$/g, '$$$$')

const healthy = (...names: string[]) => Object.fromEntries(names.map(n => [n, { condition: 'service_healthy' }]))
const completed = (...names: string[]) => Object.fromEntries(names.map(n => [n, { condition: 'service_completed_successfully' }]))

const check = (test: string[], startPeriod = '30s', timeout = '10s') => ({ test, interval: '10s', timeout, retries: 12, start_period: startPeriod })
/** An HTTP check through node's fetch: the one image has node and nothing else to speak HTTP with. */
const nodeHttpCheck = (port: number, path: string) => check(['CMD', 'node', '-e', `fetch('http://127.0.0.1:${port}${path}').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))`])
/** An HTTP check with bash alone (the Kafka and HAProxy images have neither curl nor node). */
const bashHttpCheck = (port: number, path: string, authorizationVariable?: string) => check(['CMD', 'bash', '-c', authorizationVariable
  // printf is bash's builtin: the header's value is in no process's arguments.
  ? `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET ${path} HTTP/1.0\\r\\nHost: localhost\\r\\nAuthorization: %s\\r\\n\\r\\n' "$${authorizationVariable}" >&3 && head -n 1 <&3 | grep -q ' 200 '`
  : `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET ${path} HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '`])
/** Published on the host's loopback only, at the port `./ripple up` uses. */
const publish = (hostPort: number, containerPort = hostPort) => `127.0.0.1:${hostPort}:${containerPort}`

function rippleProcess (config: StackConfig, process: string): Service {
  return {
    // Every Ripple process is the same image; building it once per service costs nothing after the first (layer cache).
    build: { context: '../..', dockerfile: 'deploy/Dockerfile' },
    image: rippleImage(config),
    environment: { RIPPLE_PROCESS: process }
  }
}

/**
 * The whole stack for `docker compose -f deploy/compose/compose.yaml up`: three Kafka nodes in
 * KRaft combined mode, Connect with the Debezium plugins, the databases, ClickHouse, Prometheus,
 * Cassandra, the mail capture, the gateway, the console and every service, each started once
 * what it needs is healthy. No password is in this file: each is `${VAR}` from deploy/compose/.env.
 */
export function composeFile (config: StackConfig, target: Target): Record<string, unknown> {
  const services: Record<string, Service> = {}
  const volumes: Record<string, Record<string, never>> = {}
  const volume = (name: string): string => { volumes[name] = {}; return name }
  const kafkaNodes = Array.from({ length: COMPOSE_KAFKA_NODES }, (_, i) => kafkaNodeHost(i + 1))

  kafkaNodes.forEach(host => {
    services[host] = {
      image: kafkaImage(config),
      hostname: host,
      environment: {
        CLUSTER_ID: fromEnv('KAFKA_CLUSTER_ID'),
        KAFKA_HEAP_OPTS: config.jvm.kafkaHeap.join(' '),
        // Read by the broker's EnvVarConfigProvider (its properties file names them, never their values).
        [kafkaPasswordVariable(KAFKA_PRINCIPALS.admin)]: fromEnv(kafkaPasswordVariable(KAFKA_PRINCIPALS.admin))
      },
      command: ['bash', '-c', kafkaStartScript()],
      volumes: [`${volume(`${host}-data`)}:/var/lib/kafka/data`, `./kafka/${host}.properties:/etc/ripple/server.properties:ro`],
      // A TCP check: the broker answers nothing to a client that does not log in.
      healthcheck: check(['CMD', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${KAFKA_PORT}`], '60s', '30s'),
      restart: 'unless-stopped'
    }
  })

  services.connect = {
    build: { context: '../connect' },
    image: connectImage(config),
    hostname: target.connect.host,
    command: ['/opt/kafka/bin/connect-distributed.sh', '/etc/ripple/connect-distributed.properties'],
    environment: {
      KAFKA_HEAP_OPTS: config.jvm.connectHeap.join(' '),
      // The REST API's login (BasicAuthSecurityRestExtension): the JAAS file names the accounts file, a compose secret.
      KAFKA_OPTS: `-Djava.security.auth.login.config=${COMPOSE_CONNECT_JAAS}`,
      // Its health check calls as ./ripple's own account, as `up`'s does.
      CONNECT_HEALTH_AUTHORIZATION: fromEnv(connectAuthorizationVariable('cli'))
    },
    volumes: ['./connect/connect-distributed.properties:/etc/ripple/connect-distributed.properties:ro', `./connect/connect-jaas.conf:${COMPOSE_CONNECT_JAAS}:ro`],
    secrets: ['connect-secrets', 'connect-rest-credentials'],
    ports: [publish(config.ports.connect, target.connect.port)],
    depends_on: healthy(...kafkaNodes),
    healthcheck: bashHttpCheck(target.connect.port, '/connectors', 'CONNECT_HEALTH_AUTHORIZATION'),
    restart: 'unless-stopped'
  }

  const mariadb = mariadbInit(config)
  services.mariadb = {
    image: MARIADB_IMAGE,
    command: [
      '--server-id=1', '--log-bin=binlog', '--binlog-format=ROW', '--binlog-row-image=FULL', '--binlog-expire-logs-seconds=604800',
      '--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci', '--skip-name-resolve', '--max-connections=500'
    ],
    environment: {
      MARIADB_ROOT_PASSWORD: fromEnv('RIPPLE_MARIADB_ROOT_PASSWORD'),
      // root only through the socket inside the container, as on the stack.
      MARIADB_ROOT_HOST: 'localhost',
      ...Object.fromEntries(mariadb.variables.map(v => [v, fromEnv(v)]))
    },
    volumes: [`${volume('mariadb-data')}:/var/lib/mysql`, './mariadb/init.sh:/docker-entrypoint-initdb.d/ripple.sh:ro'],
    ports: [publish(config.ports.mariadb, target.mariadb.port)],
    healthcheck: check(['CMD', 'healthcheck.sh', '--connect', '--innodb_initialized']),
    restart: 'unless-stopped'
  }

  const postgres = postgresInit(config)
  services.postgres = {
    image: POSTGRES_IMAGE,
    command: ['postgres', '-c', 'wal_level=logical', '-c', 'max_wal_senders=10', '-c', 'max_replication_slots=10', '-c', 'max_connections=300', '-c', 'shared_buffers=128MB', '-c', 'password_encryption=scram-sha-256'],
    environment: {
      POSTGRES_PASSWORD: fromEnv('RIPPLE_POSTGRES_PASSWORD'),
      POSTGRES_INITDB_ARGS: '--auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8',
      ...Object.fromEntries(postgres.variables.map(v => [v, fromEnv(v)]))
    },
    volumes: [`${volume('postgres-data')}:/var/lib/postgresql/data`, './postgres/init.sh:/docker-entrypoint-initdb.d/ripple.sh:ro'],
    ports: [publish(config.ports.postgres, target.postgres.port)],
    healthcheck: check(['CMD', 'pg_isready', '-U', 'postgres', '-h', '127.0.0.1']),
    restart: 'unless-stopped'
  }

  services.smtp = {
    ...rippleProcess(config, 'mail-capture'),
    environment: {
      RIPPLE_PROCESS: 'mail-capture',
      MAIL_CAPTURE_HOST: '0.0.0.0',
      MAIL_CAPTURE_SMTP_PORT: String(target.smtp.port),
      MAIL_CAPTURE_API_PORT: String(target.smtp.apiPort),
      MAIL_CAPTURE_STORE: '/data/mails.jsonl'
    },
    volumes: [`${volume('mail-data')}:/data`],
    ports: [publish(config.ports.smtp, target.smtp.port), publish(config.ports.mailApi, target.smtp.apiPort)],
    healthcheck: nodeHttpCheck(target.smtp.apiPort, '/health'),
    restart: 'unless-stopped'
  }

  services.clickhouse = {
    image: CLICKHOUSE_IMAGE,
    // Its Kafka engine tables log in as principal clickhouse: the config names this variable (from_env).
    // Its users' passwords (users.xml names them, from_env), and its Kafka principal's.
    environment: {
      CLICKHOUSE_SKIP_USER_SETUP: '1',
      ...Object.fromEntries(CLICKHOUSE_ENV.map(v => [v, fromEnv(v)]))
    },
    volumes: [
      `${volume('clickhouse-data')}:/var/lib/clickhouse`,
      './clickhouse/server.xml:/etc/clickhouse-server/config.d/ripple.xml:ro',
      './clickhouse/users.xml:/etc/clickhouse-server/users.d/ripple.xml:ro'
    ],
    ports: [publish(config.ports.clickhouseHttp, target.clickhouse.httpPort)],
    depends_on: healthy(...kafkaNodes),
    // /ping needs no login; a query would.
    healthcheck: bashHttpCheck(target.clickhouse.httpPort, '/ping'),
    restart: 'unless-stopped'
  }
  services['clickhouse-schema'] = {
    ...rippleProcess(config, 'clickhouse-schema'),
    environment: {
      RIPPLE_PROCESS: 'clickhouse-schema',
      CLICKHOUSE_URL: `http://${target.clickhouse.host}:${target.clickhouse.httpPort}`,
      CLICKHOUSE_SCHEMA_FILE: '/etc/ripple/clickhouse-schema.json',
      // The writer, as `up` applies the schema.
      CLICKHOUSE_USER: CLICKHOUSE_USERS.admin,
      CLICKHOUSE_PASSWORD: fromEnv(ACCOUNT_PASSWORD_VARIABLES.clickhouseAdmin)
    },
    volumes: ['./clickhouse/schema.json:/etc/ripple/clickhouse-schema.json:ro'],
    depends_on: healthy('clickhouse')
  }

  services.prometheus = {
    image: PROMETHEUS_IMAGE,
    command: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--storage.tsdb.retention.time=7d', `--web.listen-address=:${target.prometheus.port}`],
    volumes: [`${volume('prometheus-data')}:/prometheus`, './prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro', `./prometheus/rules:${PROMETHEUS_RULES_DIR}:ro`],
    ports: [publish(config.ports.prometheus, target.prometheus.port)],
    healthcheck: check(['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${target.prometheus.port}/-/ready`]),
    restart: 'unless-stopped'
  }

  services.cassandra = {
    image: CASSANDRA_IMAGE,
    environment: { CASSANDRA_CLUSTER_NAME: 'ripple', MAX_HEAP_SIZE: '768M', HEAP_NEWSIZE: '128M', JVM_EXTRA_OPTS: CASSANDRA_JVM_OPTIONS.join(' ') },
    volumes: [`${volume('cassandra-data')}:/var/lib/cassandra`],
    ports: [publish(config.ports.cassandra, target.cassandra.port)],
    // A TCP check: cqlsh would need a login, and the CQL port opens once Cassandra serves.
    healthcheck: check(['CMD', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${target.cassandra.port}`], '120s'),
    restart: 'unless-stopped'
  }
  const cassandra = cassandraInit(config, target)
  services['cassandra-schema'] = {
    image: CASSANDRA_IMAGE,
    command: ['bash', '/etc/ripple/cassandra-init.sh'],
    environment: Object.fromEntries(cassandra.variables.map(v => [v, fromEnv(v)])),
    volumes: ['./cassandra/init.sh:/etc/ripple/cassandra-init.sh:ro'],
    depends_on: healthy('cassandra')
  }

  const infrastructure = ['mariadb', 'postgres', 'smtp', ...kafkaNodes, 'connect']
  const before = config.services.filter(s => !s.afterConnectors).map(s => s.name)
  for (const s of config.services) {
    const env = serviceContainerEnv(config, target, s)
    services[s.name] = {
      ...rippleProcess(config, s.name),
      environment: { RIPPLE_PROCESS: s.name, ...environment(env) },
      ports: [publish(s.port)],
      depends_on: {
        ...healthy(...infrastructure),
        ...(serviceDependsOn(config, s, 'cassandra-driver') ? completed('cassandra-schema') : {}),
        // As on `up`: a service reading a connector's topic starts once the connectors run.
        ...(s.afterConnectors ? completed('connectors') : {})
      },
      healthcheck: nodeHttpCheck(s.port, '/health'),
      restart: 'unless-stopped'
    }
  }

  services.connectors = {
    ...rippleProcess(config, 'connectors'),
    environment: {
      RIPPLE_PROCESS: 'connectors',
      CONNECT_URL: `http://${target.connect.host}:${target.connect.port}`,
      CONNECTORS_DIR: '/etc/ripple/connectors',
      // ./ripple's own REST account, as `up` applies them.
      CONNECT_USER: CONNECT_ACCOUNTS.cli,
      CONNECT_PASSWORD: fromEnv(ACCOUNT_PASSWORD_VARIABLES.connectCli)
    },
    volumes: ['./connectors:/etc/ripple/connectors:ro'],
    // The tables the connectors capture are made by the services that own them (their migrations), as on `up`.
    depends_on: { ...healthy('connect', 'mariadb', 'postgres', ...before) }
  }

  const ep = endpoints(config)
  services['console-grants'] = {
    ...rippleProcess(config, 'console-grants'),
    environment: {
      RIPPLE_PROCESS: 'console-grants',
      CONSOLE_GRANTS_FILE: '/etc/ripple/console-grants.json',
      MARIADB_HOST: target.mariadb.host,
      MARIADB_PORT: String(target.mariadb.port),
      MARIADB_USER: ep.mariadb.user,
      MARIADB_PASSWORD: fromEnv('RIPPLE_MARIADB_PASSWORD'),
      POSTGRES_HOST: target.postgres.host,
      POSTGRES_PORT: String(target.postgres.port),
      POSTGRES_USER: ep.postgres.user,
      POSTGRES_PASSWORD: fromEnv('RIPPLE_POSTGRES_PASSWORD')
    },
    volumes: ['./console/grants.json:/etc/ripple/console-grants.json:ro'],
    // The grants name the services' tables, made by their migrations.
    depends_on: healthy(...config.services.map(s => s.name))
  }

  services.gateway = {
    image: HAPROXY_IMAGE,
    // The operator key's hash, and the gateway's own Connect REST account (haproxy.cfg sends it to Connect).
    environment: { [OPERATOR_KEY_HASH_VARIABLE]: fromEnv(OPERATOR_KEY_HASH_VARIABLE), [CONNECT_AUTHORIZATION_VARIABLE]: fromEnv(connectAuthorizationVariable('gateway')) },
    volumes: ['./gateway/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro'],
    ports: [publish(config.ports.gateway, target.gateway.port), publish(config.ports.gatewayMetrics, target.gateway.metricsPort)],
    depends_on: healthy('connect', ...config.services.map(s => s.name)),
    healthcheck: bashHttpCheck(target.gateway.metricsPort, '/health'),
    restart: 'unless-stopped'
  }

  const consoleSecrets = consoleContainerEnv(config)
  services.console = {
    ...rippleProcess(config, 'console'),
    environment: {
      RIPPLE_PROCESS: 'console',
      // The console keeps its own generated secrets file here; the ones it uses come from the environment.
      RIPPLE_HOME: '/tmp/ripple',
      RIPPLE_CONSOLE_FORWARD: consoleForwards(config, target).map(f => `${f.localPort}=${f.host}:${f.port}`).join(','),
      ...environment(consoleSecrets)
    },
    ports: [publish(config.ports.console)],
    depends_on: { ...healthy(...kafkaNodes, 'connect', 'smtp', 'mariadb', 'postgres', 'clickhouse', 'prometheus'), ...completed('console-grants') },
    healthcheck: nodeHttpCheck(config.ports.console, '/health'),
    restart: 'unless-stopped'
  }

  return {
    services: Object.fromEntries(Object.entries(services).map(([name, s]) => [name, literalStrings(unprivileged(s))])),
    volumes,
    secrets: {
      'connect-secrets': { file: './secrets/connect-secrets.properties' },
      'connect-rest-credentials': { file: `./secrets/${CONNECT_REST_CREDENTIALS_FILE}` }
    }
  }
}

/**
 * A container as its image's own unprivileged user (never root), with no capability and no way to
 * gain privileges; read-only where the image allows it, with /tmp its own.
 */
function unprivileged (service: Service): Service {
  const user = imageUser(String(service.image))
  return {
    ...service,
    user: `${user.uid}:${user.gid}`,
    cap_drop: ['ALL'],
    security_opt: ['no-new-privileges:true'],
    ...(user.readOnlyRoot ? { read_only: true, tmpfs: ['/tmp'] } : {})
  }
}

/**
 * One Compose Kafka node's server.properties: KRaft combined mode, the cluster settings of
 * `RIPPLE_KAFKA_NODES=3 ./ripple up`, and the deployment's security. No password: the JAAS lines
 * name the container's environment through Kafka's EnvVarConfigProvider.
 */
export function composeKafkaProperties (i: number): Record<string, string> {
  const nodes = Array.from({ length: COMPOSE_KAFKA_NODES }, (_, j) => kafkaNodeHost(j + 1))
  const host = nodes[i]!
  return {
    'process.roles': 'broker,controller',
    'node.id': String(i + 1),
    'controller.quorum.voters': nodes.map((h, j) => `${j + 1}@${h}:${KAFKA_CONTROLLER_PORT}`).join(','),
    'controller.listener.names': 'CONTROLLER',
    listeners: `CLIENT://:${KAFKA_PORT},CONTROLLER://:${KAFKA_CONTROLLER_PORT}`,
    'advertised.listeners': `CLIENT://${host}:${KAFKA_PORT}`,
    'log.dirs': '/var/lib/kafka/data',
    ...Object.fromEntries(Object.entries(clusterBrokerSettings()).map(([k, v]) => [k, String(v)])),
    ...composeBrokerSecurity()
  }
}

/**
 * A Compose Kafka node's command: format the storage once with the super user's SCRAM credentials
 * (KIP-900), then start. The format's arguments go through a 0600 `java @argfile` written by bash's
 * builtin printf, so the password is in no process's arguments.
 */
function kafkaStartScript (): string {
  const admin = KAFKA_PRINCIPALS.admin
  return [
    'set -e',
    'umask 077',
    `printf '%s\\n' -cp '"/opt/kafka/libs/*"' kafka.tools.StorageTool format --ignore-formatted -t "$CLUSTER_ID" -c /etc/ripple/server.properties "--add-scram=SCRAM-SHA-512=[name=${admin},password=$${kafkaPasswordVariable(admin)}]" > /tmp/format.args`,
    'java @/tmp/format.args',
    'rm -f /tmp/format.args',
    'exec /opt/kafka/bin/kafka-server-start.sh /etc/ripple/server.properties'
  ].join('\n')
}

/** Doubles every "$" that is not one of our `${VAR:?…}` references. */
function literalStrings (value: unknown): unknown {
  if (typeof value === 'string') {
    return value.startsWith('${') && /^\$\{[A-Z0-9_]+:\?[^}]*\}$/.test(value) ? value : literal(value)
  }
  if (Array.isArray(value)) return value.map(literalStrings)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, literalStrings(v)]))
  return value
}
