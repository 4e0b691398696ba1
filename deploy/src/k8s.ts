import type { StackConfig } from '@ripple/stack'
import type { ConnectorDefinition } from '@ripple/operations'
import { CLICKHOUSE_USERS, endpoints, KAFKA_PRINCIPALS } from '@ripple/stack'
import { CONNECT_AUTHORIZATION_VARIABLE } from '@ripple/stack/components'
import { cassandraInit, CASSANDRA_JVM_OPTIONS, CLICKHOUSE_ENV, clickhouseProfileXml, consoleGrants, clickhouseSchema, clickhouseServerXml, haproxyCfg, mariadbInit, OPERATOR_KEY_HASH_VARIABLE, postgresInit, PROMETHEUS_RULES_DIR, prometheusRules, prometheusYml } from './configs.ts'
import { CASSANDRA_IMAGE, CLICKHOUSE_IMAGE, HAPROXY_IMAGE, imageUser, MARIADB_IMAGE, POSTGRES_IMAGE, PROMETHEUS_IMAGE, rippleImage } from './images.ts'
import { ACCOUNT_PASSWORD_VARIABLES, connectAuthorizationVariable, mavenArtifacts } from './sources.ts'
import type { ContainerEnv, Target } from './target.ts'
import { clusterBrokerSettings, CONNECT_CLUSTER, CONNECT_SECRETS_MOUNT, connectWorkerSettings, consoleContainerEnv, consoleForwards, KAFKA_CLUSTER, KAFKA_PORT, serviceContainerEnv } from './target.ts'
import type { TopicSpec } from './topics.ts'
import { deploymentAcls, deploymentPrincipals, kafkaPasswordVariable, strimziAcls } from './kafka-security.ts'
import { topicResourceName } from './topics.ts'

export type K8sObject = { apiVersion: string, kind: string, metadata: { name: string, [key: string]: unknown }, [key: string]: unknown }

/** The Secret every password and key is read from, by the stack's own variable names. */
export const SECRET = 'ripple-secrets'
/** The Secret holding Connect's FileConfigProvider file (connect-secrets.properties). */
export const CONNECT_SECRET = 'ripple-connect-secrets'
export const CONNECT_SECRET_KEY = 'connect-secrets.properties'
export const STRIMZI_API = 'kafka.strimzi.io/v1'
export const NODE_POOL = 'dual-role'
/** Where Strimzi pushes the Connect image it builds: a registry the cluster can pull from (patch it in an overlay). */
export const CONNECT_BUILD_IMAGE = 'registry.example.com/ripple/ripple-connect'

const labels = (name: string, component: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': component, 'app.kubernetes.io/part-of': 'ripple' })
const meta = (name: string, component: string, extra: Record<string, unknown> = {}) => ({ name, labels: labels(name, component), ...extra })

const secretRef = (env: string, variable: string, secret = SECRET) => ({ name: env, valueFrom: { secretKeyRef: { name: secret, key: variable } } })
const secretEnv = (env: ContainerEnv) => Object.entries(env.secret).map(([key, variable]) => secretRef(key, variable))
const plainEnv = (env: Record<string, string>) => Object.entries(env).map(([name, value]) => ({ name, value }))

const resources = (cpu: string, memory: string, memoryLimit: string) => ({ requests: { cpu, memory }, limits: { memory: memoryLimit } })
const httpProbe = (path: string, port: string | number, initialDelaySeconds: number, periodSeconds: number, failureThreshold: number) =>
  ({ httpGet: { path, port }, initialDelaySeconds, periodSeconds, timeoutSeconds: 5, failureThreshold })
const execProbe = (command: string[], initialDelaySeconds: number, periodSeconds: number, failureThreshold: number, timeoutSeconds = 10) =>
  ({ exec: { command }, initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold })
const restricted = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }

/**
 * A pod's spec with its one container, unprivileged: the image's own user (never root), no
 * privilege escalation, no capability, the default seccomp profile, and a read-only root
 * filesystem (with /tmp an emptyDir) wherever the image allows it.
 */
function securePod (container: Record<string, unknown>, volumes: Record<string, unknown>[] = []) {
  const user = imageUser(String(container.image))
  const mounts = (container.volumeMounts as Record<string, unknown>[] | undefined) ?? []
  return {
    securityContext: { runAsNonRoot: true, runAsUser: user.uid, runAsGroup: user.gid, fsGroup: user.gid, seccompProfile: { type: 'RuntimeDefault' } },
    container: {
      ...container,
      securityContext: { ...restricted, readOnlyRootFilesystem: user.readOnlyRoot },
      ...(user.readOnlyRoot || mounts.length > 0 ? { volumeMounts: [...mounts, ...(user.readOnlyRoot ? [{ name: 'tmp', mountPath: '/tmp' }] : [])] } : {})
    },
    volumes: [...volumes, ...(user.readOnlyRoot ? [{ name: 'tmp', emptyDir: {} }] : [])]
  }
}

function service (name: string, component: string, ports: { name: string, port: number }[]): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, component),
    spec: { selector: { 'app.kubernetes.io/name': name }, ports: ports.map(p => ({ name: p.name, port: p.port, targetPort: p.name, protocol: 'TCP' })) }
  }
}

function configMap (name: string, component: string, data: Record<string, string>): K8sObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(name, component), data }
}

interface PodSpecInput {
  container: Record<string, unknown>
  volumes?: Record<string, unknown>[]
  terminationGracePeriodSeconds?: number
}

function podTemplate (name: string, component: string, input: PodSpecInput) {
  const pod = securePod(input.container, input.volumes)
  return {
    metadata: { labels: labels(name, component) },
    spec: {
      securityContext: pod.securityContext,
      ...(input.terminationGracePeriodSeconds ? { terminationGracePeriodSeconds: input.terminationGracePeriodSeconds } : {}),
      containers: [{ name, ...pod.container }],
      ...(pod.volumes.length > 0 ? { volumes: pod.volumes } : {})
    }
  }
}

function deployment (name: string, component: string, input: PodSpecInput): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(name, component),
    spec: { replicas: 1, selector: { matchLabels: { 'app.kubernetes.io/name': name } }, template: podTemplate(name, component, input) }
  }
}

function statefulSet (name: string, component: string, input: PodSpecInput, dataPath: string, size: string): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(name, component),
    spec: {
      serviceName: name,
      replicas: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: podTemplate(name, component, { ...input, container: { ...input.container, volumeMounts: [{ name: 'data', mountPath: dataPath }, ...((input.container.volumeMounts as unknown[] | undefined) ?? [])] } }),
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } } }]
    }
  }
}

function job (name: string, component: string, container: Record<string, unknown>, volumes?: Record<string, unknown>[]): K8sObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(name, component),
    spec: {
      backoffLimit: 20,
      template: (() => {
        const pod = securePod(container, volumes)
        return { metadata: { labels: labels(name, component) }, spec: { restartPolicy: 'OnFailure', securityContext: pod.securityContext, containers: [{ name, ...pod.container }], ...(pod.volumes.length > 0 ? { volumes: pod.volumes } : {}) } }
      })()
    }
  }
}


function rippleContainer (config: StackConfig, process: string, extra: Record<string, unknown>): Record<string, unknown> {
  const { env = [], ...rest } = extra as { env?: unknown[] }
  return {
    image: rippleImage(config),
    imagePullPolicy: 'IfNotPresent',
    env: [{ name: 'RIPPLE_PROCESS', value: process }, ...env],
    ...rest
  }
}

const jvmHeap = (heap: readonly string[]) => Object.fromEntries(heap.flatMap(flag => {
  const m = /^(-Xm[sx])(.+)$/.exec(flag)
  return m ? [[m[1]!, m[2]!]] : []
}))

/**
 * What Strimzi's own pods run with: its images' user (1001, group 0, which Strimzi's default pod
 * security also gives the volumes), no escalation, no capability, a read-only root (Strimzi mounts
 * /tmp itself). Connect's image build (Kaniko) is left as Strimzi runs it: it needs root to build.
 */
export const STRIMZI_POD_SECURITY = { runAsNonRoot: true, runAsUser: 1001, fsGroup: 0, seccompProfile: { type: 'RuntimeDefault' } }
export const STRIMZI_CONTAINER_SECURITY = { ...restricted, readOnlyRootFilesystem: true }

/** Kafka (KRaft, Strimzi) and its one node pool: three nodes, each controller and broker, on persistent volumes. */
export function kafkaResources (config: StackConfig): K8sObject[] {
  const { kafkaVersion } = mavenArtifacts(config)
  return [
    {
      apiVersion: STRIMZI_API,
      kind: 'Kafka',
      metadata: { name: KAFKA_CLUSTER, labels: { 'app.kubernetes.io/part-of': 'ripple' } },
      spec: {
        kafka: {
          version: kafkaVersion,
          // Every client logs in (SCRAM-SHA-512) and may do only what its KafkaUser's ACLs allow.
          listeners: [{ name: 'scram', port: KAFKA_PORT, type: 'internal', tls: false, authentication: { type: 'scram-sha-512' } }],
          authorization: { type: 'simple' },
          // The broker settings `RIPPLE_KAFKA_NODES=3 ./ripple up` writes (stack/src/components/kafka.ts): RF 3, min ISR 2.
          config: clusterBrokerSettings()
        },
        entityOperator: {
          topicOperator: {},
          userOperator: {},
          template: { pod: { securityContext: STRIMZI_POD_SECURITY }, topicOperatorContainer: { securityContext: STRIMZI_CONTAINER_SECURITY }, userOperatorContainer: { securityContext: STRIMZI_CONTAINER_SECURITY } }
        }
      }
    },
    {
      apiVersion: STRIMZI_API,
      kind: 'KafkaNodePool',
      metadata: { name: NODE_POOL, labels: { 'strimzi.io/cluster': KAFKA_CLUSTER, 'app.kubernetes.io/part-of': 'ripple' } },
      spec: {
        replicas: 3,
        roles: ['controller', 'broker'],
        storage: { type: 'persistent-claim', size: '20Gi', deleteClaim: false },
        resources: resources('500m', '2Gi', '2Gi'),
        jvmOptions: jvmHeap(config.jvm.kafkaHeap),
        template: { pod: { securityContext: STRIMZI_POD_SECURITY }, kafkaContainer: { securityContext: STRIMZI_CONTAINER_SECURITY } }
      }
    }
  ]
}

/** Kafka Connect (two workers) with the Debezium plugins built in from Maven Central, and the connectors' passwords file mounted. */
export async function connectResources (config: StackConfig, target: Target): Promise<K8sObject[]> {
  const { kafkaVersion, debeziumVersion, plugins } = mavenArtifacts(config)
  const worker = await connectWorkerSettings(target, '/opt/kafka/plugins')
  // Strimzi sets these itself (addresses, REST, plugin path) or takes them as spec fields.
  const ownedByStrimzi = /^(bootstrap\.servers|group\.id|(config|offset|status)\.storage\.topic|listeners|rest\.|plugin\.path)/
  const strimziType = (mavenType: string) => mavenType === 'tar.gz' ? 'tgz' : mavenType
  return [connectApiPolicy(target), {
    apiVersion: STRIMZI_API,
    kind: 'KafkaConnect',
    metadata: {
      name: CONNECT_CLUSTER,
      labels: { 'app.kubernetes.io/part-of': 'ripple' },
      annotations: { 'strimzi.io/use-connector-resources': 'true' }
    },
    spec: {
      version: kafkaVersion,
      replicas: 2,
      bootstrapServers: target.kafkaBootstrap,
      authentication: { type: 'scram-sha-512', username: KAFKA_PRINCIPALS.connect, passwordSecret: { secretName: SECRET, password: kafkaPasswordVariable(KAFKA_PRINCIPALS.connect) } },
      groupId: worker['group.id'],
      configStorageTopic: worker['config.storage.topic'],
      offsetStorageTopic: worker['offset.storage.topic'],
      statusStorageTopic: worker['status.storage.topic'],
      config: Object.fromEntries(Object.entries(worker).filter(([k]) => !ownedByStrimzi.test(k))),
      resources: resources('250m', '1Gi', '1536Mi'),
      jvmOptions: jvmHeap(config.jvm.connectHeap),
      build: {
        output: { type: 'docker', image: `${CONNECT_BUILD_IMAGE}:${debeziumVersion}` },
        plugins: plugins.map(p => ({ name: p.artifactId, artifacts: [{ type: strimziType(p.type), url: p.url }] }))
      },
      template: {
        pod: { securityContext: STRIMZI_POD_SECURITY, volumes: [{ name: 'connect-secrets', secret: { secretName: CONNECT_SECRET } }] },
        connectContainer: { securityContext: STRIMZI_CONTAINER_SECURITY, volumeMounts: [{ name: 'connect-secrets', mountPath: CONNECT_SECRETS_MOUNT, readOnly: true }] }
      }
    }
  }]
}

/** The pods that may call Connect's REST API besides Strimzi's operator: the gateway (its writes need the operator key) and the console. */
export const CONNECT_API_CALLERS = ['gateway', 'console'] as const

/**
 * Connect's REST door on Kubernetes. Strimzi's operator manages KafkaConnectors through the REST
 * API without credentials and refuses rest.* settings, so no Basic login there; with
 * use-connector-resources it makes a NetworkPolicy letting only itself and the Connect pods in.
 * Policies add up: this one lets in the gateway and the console too, and nobody else.
 */
function connectApiPolicy (target: Target): K8sObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(`${CONNECT_CLUSTER}-api-callers`, 'connect'),
    spec: {
      podSelector: { matchLabels: { 'strimzi.io/cluster': CONNECT_CLUSTER, 'strimzi.io/kind': 'KafkaConnect' } },
      policyTypes: ['Ingress'],
      ingress: [{
        from: CONNECT_API_CALLERS.map(name => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': name } } })),
        ports: [{ protocol: 'TCP', port: target.connect.port }]
      }]
    }
  }
}

/** One KafkaConnector per connectors/*.json, resolved for the cluster: class and tasks as Strimzi's fields, the rest as the file says. */
export function connectorResources (resolved: readonly ConnectorDefinition[]): K8sObject[] {
  return resolved.map(({ name, config: c }) => {
    const { 'connector.class': connectorClass, 'tasks.max': tasksMax, ...rest } = c
    return {
      apiVersion: STRIMZI_API,
      kind: 'KafkaConnector',
      metadata: { name, labels: { 'strimzi.io/cluster': CONNECT_CLUSTER, 'app.kubernetes.io/part-of': 'ripple' } },
      spec: {
        class: connectorClass,
        tasksMax: Number(tasksMax ?? 1),
        // A task that fails (a database not there yet) is restarted with backoff, as `./ripple up` restarts failed ones.
        autoRestart: { enabled: true },
        config: rest
      }
    }
  })
}

/**
 * One KafkaUser per principal (each service, Connect, the console, the CLI, ClickHouse): SCRAM-SHA-512
 * with its password from the Secret, and the ACLs the stack derives for it.
 */
export function userResources (config: StackConfig, connectors: readonly ConnectorDefinition[]): K8sObject[] {
  const acls = deploymentAcls(config, connectors)
  return deploymentPrincipals(config).map(principal => ({
    apiVersion: STRIMZI_API,
    kind: 'KafkaUser',
    metadata: { name: principal, labels: { 'strimzi.io/cluster': KAFKA_CLUSTER, 'app.kubernetes.io/part-of': 'ripple' } },
    spec: {
      authentication: { type: 'scram-sha-512', password: { valueFrom: { secretKeyRef: { name: SECRET, key: kafkaPasswordVariable(principal) } } } },
      authorization: { type: 'simple', acls: strimziAcls(acls, principal) }
    }
  }))
}

export function topicResources (topics: readonly TopicSpec[]): K8sObject[] {
  return topics.map(t => ({
    apiVersion: STRIMZI_API,
    kind: 'KafkaTopic',
    metadata: {
      name: topicResourceName(t.name),
      labels: { 'strimzi.io/cluster': KAFKA_CLUSTER, 'app.kubernetes.io/part-of': 'ripple' },
      annotations: { 'ripple.dev/why': t.why }
    },
    spec: { topicName: t.name, partitions: t.partitions, replicas: 3, config: { 'min.insync.replicas': 2, ...t.config } }
  }))
}

/** MariaDB and PostgreSQL: one pod each on a persistent volume, accounts made by the generated init scripts. */
export function databaseResources (config: StackConfig, target: Target): K8sObject[] {
  const mariadb = mariadbInit(config)
  const postgres = postgresInit(config)
  // Executable: the images' entrypoints run it as its own process instead of sourcing it into theirs.
  const initVolume = (name: string) => ({ name: 'init', configMap: { name, defaultMode: 0o755 } })
  return [
    configMap('mariadb-init', 'database', { 'ripple.sh': mariadb.script }),
    service('mariadb', 'database', [{ name: 'mysql', port: target.mariadb.port }]),
    statefulSet('mariadb', 'database', {
      container: {
        image: MARIADB_IMAGE,
        args: ['--server-id=1', '--log-bin=binlog', '--binlog-format=ROW', '--binlog-row-image=FULL', '--binlog-expire-logs-seconds=604800', '--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci', '--skip-name-resolve', '--max-connections=500'],
        env: [
          secretRef('MARIADB_ROOT_PASSWORD', 'RIPPLE_MARIADB_ROOT_PASSWORD'),
          { name: 'MARIADB_ROOT_HOST', value: 'localhost' },
          ...mariadb.variables.map(v => secretRef(v, v))
        ],
        ports: [{ name: 'mysql', containerPort: target.mariadb.port }],
        readinessProbe: execProbe(['healthcheck.sh', '--connect', '--innodb_initialized'], 10, 10, 6),
        livenessProbe: execProbe(['healthcheck.sh', '--connect'], 120, 20, 6),
        resources: resources('250m', '512Mi', '1Gi'),
        volumeMounts: [{ name: 'init', mountPath: '/docker-entrypoint-initdb.d', readOnly: true }]
      },
      volumes: [initVolume('mariadb-init')],
      terminationGracePeriodSeconds: 60
    }, '/var/lib/mysql', '10Gi'),
    configMap('postgres-init', 'database', { 'ripple.sh': postgres.script }),
    service('postgres', 'database', [{ name: 'postgresql', port: target.postgres.port }]),
    statefulSet('postgres', 'database', {
      container: {
        image: POSTGRES_IMAGE,
        args: ['-c', 'wal_level=logical', '-c', 'max_wal_senders=10', '-c', 'max_replication_slots=10', '-c', 'max_connections=300', '-c', 'shared_buffers=128MB', '-c', 'password_encryption=scram-sha-256'],
        env: [
          secretRef('POSTGRES_PASSWORD', 'RIPPLE_POSTGRES_PASSWORD'),
          { name: 'POSTGRES_INITDB_ARGS', value: '--auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8' },
          // A volume's root holds lost+found: the cluster lives one folder down.
          { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
          ...postgres.variables.map(v => secretRef(v, v))
        ],
        ports: [{ name: 'postgresql', containerPort: target.postgres.port }],
        readinessProbe: execProbe(['pg_isready', '-U', 'postgres', '-h', '127.0.0.1'], 5, 10, 6),
        livenessProbe: execProbe(['pg_isready', '-U', 'postgres', '-h', '127.0.0.1'], 60, 20, 6),
        resources: resources('250m', '512Mi', '1Gi'),
        volumeMounts: [{ name: 'init', mountPath: '/docker-entrypoint-initdb.d', readOnly: true }]
      },
      volumes: [initVolume('postgres-init')],
      terminationGracePeriodSeconds: 60
    }, '/var/lib/postgresql/data', '10Gi')
  ]
}

/** ClickHouse, Prometheus, Cassandra, the mail capture, the gateway and the console, with their one-shot schema jobs. */
export function componentResources (config: StackConfig, target: Target): K8sObject[] {
  const consoleSecrets = consoleContainerEnv(config)
  const ep = endpoints(config)
  const cassandra = cassandraInit(config, target)
  return [
    configMap('clickhouse-config', 'analytics', { 'ripple-server.xml': clickhouseServerXml(config), 'ripple-users.xml': clickhouseProfileXml(), 'schema.json': JSON.stringify(clickhouseSchema(config, target), null, 2) + '\n' }),
    service('clickhouse', 'analytics', [{ name: 'http', port: target.clickhouse.httpPort }]),
    statefulSet('clickhouse', 'analytics', {
      container: {
        image: CLICKHOUSE_IMAGE,
        env: [{ name: 'CLICKHOUSE_SKIP_USER_SETUP', value: '1' }, ...CLICKHOUSE_ENV.map(v => secretRef(v, v))],
        ports: [{ name: 'http', containerPort: target.clickhouse.httpPort }],
        readinessProbe: httpProbe('/ping', 'http', 5, 10, 6),
        livenessProbe: httpProbe('/ping', 'http', 60, 20, 6),
        resources: resources('250m', '1Gi', '2Gi'),
        volumeMounts: [
          { name: 'config', mountPath: '/etc/clickhouse-server/config.d/ripple.xml', subPath: 'ripple-server.xml', readOnly: true },
          { name: 'config', mountPath: '/etc/clickhouse-server/users.d/ripple.xml', subPath: 'ripple-users.xml', readOnly: true }
        ]
      },
      volumes: [{ name: 'config', configMap: { name: 'clickhouse-config' } }]
    }, '/var/lib/clickhouse', '10Gi'),
    job('clickhouse-schema', 'analytics', rippleContainer(config, 'clickhouse-schema', {
      env: [
        { name: 'CLICKHOUSE_URL', value: `http://${target.clickhouse.host}:${target.clickhouse.httpPort}` },
        { name: 'CLICKHOUSE_SCHEMA_FILE', value: '/etc/ripple/schema.json' },
        { name: 'CLICKHOUSE_USER', value: CLICKHOUSE_USERS.admin },
        secretRef('CLICKHOUSE_PASSWORD', ACCOUNT_PASSWORD_VARIABLES.clickhouseAdmin)
      ],
      volumeMounts: [{ name: 'schema', mountPath: '/etc/ripple', readOnly: true }],
      resources: resources('50m', '128Mi', '256Mi')
    }), [{ name: 'schema', configMap: { name: 'clickhouse-config', items: [{ key: 'schema.json', path: 'schema.json' }] } }]),

    configMap('prometheus-config', 'monitoring', { 'prometheus.yml': prometheusYml(config, target) }),
    configMap('prometheus-rules', 'monitoring', Object.fromEntries(prometheusRules(config).map(r => [r.name, r.text]))),
    service('prometheus', 'monitoring', [{ name: 'http', port: target.prometheus.port }]),
    statefulSet('prometheus', 'monitoring', {
      container: {
        image: PROMETHEUS_IMAGE,
        args: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--storage.tsdb.retention.time=7d', `--web.listen-address=:${target.prometheus.port}`],
        ports: [{ name: 'http', containerPort: target.prometheus.port }],
        readinessProbe: httpProbe('/-/ready', 'http', 5, 10, 6),
        livenessProbe: httpProbe('/-/healthy', 'http', 30, 20, 6),
        resources: resources('100m', '256Mi', '1Gi'),
        volumeMounts: [
          { name: 'config', mountPath: '/etc/prometheus/prometheus.yml', subPath: 'prometheus.yml', readOnly: true },
          // A whole-folder mount (no subPath), so an applied change of the ConfigMap reaches the pod.
          { name: 'rules', mountPath: PROMETHEUS_RULES_DIR, readOnly: true }
        ]
      },
      volumes: [{ name: 'config', configMap: { name: 'prometheus-config' } }, { name: 'rules', configMap: { name: 'prometheus-rules' } }]
    }, '/prometheus', '5Gi'),

    service('cassandra', 'store', [{ name: 'cql', port: target.cassandra.port }]),
    statefulSet('cassandra', 'store', {
      container: {
        image: CASSANDRA_IMAGE,
        env: plainEnv({ CASSANDRA_CLUSTER_NAME: 'ripple', MAX_HEAP_SIZE: '768M', HEAP_NEWSIZE: '128M', JVM_EXTRA_OPTS: CASSANDRA_JVM_OPTIONS.join(' ') }),
        ports: [{ name: 'cql', containerPort: target.cassandra.port }],
        // cqlsh would need a login: the CQL port opens once Cassandra serves.
        readinessProbe: { tcpSocket: { port: 'cql' }, initialDelaySeconds: 60, periodSeconds: 15, failureThreshold: 10 },
        livenessProbe: { tcpSocket: { port: 'cql' }, initialDelaySeconds: 180, periodSeconds: 20, failureThreshold: 6 },
        resources: resources('500m', '1536Mi', '2Gi')
      },
      terminationGracePeriodSeconds: 60
    }, '/var/lib/cassandra', '10Gi'),
    configMap('cassandra-init', 'store', { 'init.sh': cassandra.script }),
    job('cassandra-schema', 'store', {
      image: CASSANDRA_IMAGE,
      command: ['bash', '/etc/ripple/init.sh'],
      env: cassandra.variables.map(v => secretRef(v, v)),
      volumeMounts: [{ name: 'init', mountPath: '/etc/ripple', readOnly: true }],
      resources: resources('50m', '256Mi', '512Mi')
    }, [{ name: 'init', configMap: { name: 'cassandra-init' } }]),

    service(target.smtp.host, 'mail', [{ name: 'smtp', port: target.smtp.port }, { name: 'http', port: target.smtp.apiPort }]),
    deployment(target.smtp.host, 'mail', {
      container: rippleContainer(config, 'mail-capture', {
        env: plainEnv({ MAIL_CAPTURE_HOST: '0.0.0.0', MAIL_CAPTURE_SMTP_PORT: String(target.smtp.port), MAIL_CAPTURE_API_PORT: String(target.smtp.apiPort), MAIL_CAPTURE_STORE: '/data/mails.jsonl' }),
        ports: [{ name: 'smtp', containerPort: target.smtp.port }, { name: 'http', containerPort: target.smtp.apiPort }],
        readinessProbe: httpProbe('/health', 'http', 5, 10, 3),
        livenessProbe: httpProbe('/health', 'http', 30, 20, 6),
        resources: resources('50m', '128Mi', '256Mi'),
        volumeMounts: [{ name: 'mail', mountPath: '/data' }]
      }),
      volumes: [{ name: 'mail', emptyDir: {} }]
    }),

    configMap('gateway-config', 'gateway', { 'haproxy.cfg': haproxyCfg(config, target) }),
    service(target.gateway.host, 'gateway', [{ name: 'http', port: target.gateway.port }, { name: 'metrics', port: target.gateway.metricsPort }]),
    deployment(target.gateway.host, 'gateway', {
      container: {
        image: HAPROXY_IMAGE,
        env: [secretRef(OPERATOR_KEY_HASH_VARIABLE, OPERATOR_KEY_HASH_VARIABLE), secretRef(CONNECT_AUTHORIZATION_VARIABLE, connectAuthorizationVariable('gateway'))],
        ports: [{ name: 'http', containerPort: target.gateway.port }, { name: 'metrics', containerPort: target.gateway.metricsPort }],
        readinessProbe: httpProbe('/health', 'metrics', 2, 5, 3),
        livenessProbe: httpProbe('/health', 'metrics', 10, 20, 6),
        resources: resources('100m', '128Mi', '256Mi'),
        volumeMounts: [{ name: 'config', mountPath: '/usr/local/etc/haproxy', readOnly: true }]
      },
      volumes: [{ name: 'config', configMap: { name: 'gateway-config' } }]
    }),

    configMap('console-grants', 'console', { 'grants.json': JSON.stringify(consoleGrants(config), null, 2) + '\n' }),
    job('console-grants', 'console', rippleContainer(config, 'console-grants', {
      env: [
        ...plainEnv({ CONSOLE_GRANTS_FILE: '/etc/ripple/grants.json', MARIADB_HOST: target.mariadb.host, MARIADB_PORT: String(target.mariadb.port), MARIADB_USER: ep.mariadb.user, POSTGRES_HOST: target.postgres.host, POSTGRES_PORT: String(target.postgres.port), POSTGRES_USER: ep.postgres.user }),
        secretRef('MARIADB_PASSWORD', 'RIPPLE_MARIADB_PASSWORD'),
        secretRef('POSTGRES_PASSWORD', 'RIPPLE_POSTGRES_PASSWORD')
      ],
      volumeMounts: [{ name: 'grants', mountPath: '/etc/ripple', readOnly: true }],
      resources: resources('50m', '128Mi', '256Mi')
    }), [{ name: 'grants', configMap: { name: 'console-grants' } }]),
    service('console', 'console', [{ name: 'http', port: config.ports.console }]),
    deployment('console', 'console', {
      container: rippleContainer(config, 'console', {
        env: [
          ...plainEnv({ RIPPLE_HOME: '/tmp/ripple', RIPPLE_CONSOLE_FORWARD: consoleForwards(config, target).map(f => `${f.localPort}=${f.host}:${f.port}`).join(','), ...consoleSecrets.plain }),
          ...secretEnv(consoleSecrets)
        ],
        ports: [{ name: 'http', containerPort: config.ports.console }],
        readinessProbe: httpProbe('/health', 'http', 5, 10, 3),
        livenessProbe: httpProbe('/health', 'http', 30, 20, 6),
        resources: resources('100m', '256Mi', '512Mi'),
        volumeMounts: [{ name: 'home', mountPath: '/tmp/ripple' }]
      }),
      volumes: [{ name: 'home', emptyDir: {} }]
    })
  ]
}

/** Every Ripple service: its settings as a ConfigMap, its secrets from the Secret, probes on /health, a Service on its port. */
export function serviceResources (config: StackConfig, target: Target): K8sObject[] {
  return config.services.flatMap(s => {
    const env = serviceContainerEnv(config, target, s)
    return [
      configMap(`${s.name}-env`, 'service', env.plain),
      service(s.name, 'service', [{ name: 'http', port: s.port }]),
      deployment(s.name, 'service', {
        container: rippleContainer(config, s.name, {
          env: secretEnv(env),
          envFrom: [{ configMapRef: { name: `${s.name}-env` } }],
          ports: [{ name: 'http', containerPort: s.port }],
          // /health answers 503 while a dependency is out (it names which): out of the Service then, and restarted if it lasts, as `./ripple up` restarts an unhealthy service.
          readinessProbe: httpProbe('/health', 'http', 5, 5, 3),
          livenessProbe: httpProbe('/health', 'http', 30, 10, 12),
          resources: resources('100m', '192Mi', '512Mi')
        }),
          // Services finish in-flight messages and commit on SIGTERM (the stack waits 30 s).
        terminationGracePeriodSeconds: 30
      })
    ]
  })
}
