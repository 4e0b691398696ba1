import { pbkdf2Sync, randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Admin, AclOperations, AclPermissionTypes, Connection, ResourcePatternTypes, ResourceTypes, alterUserScramCredentialsV0 } from '@platformatic/kafka'
import type { Acl } from '@platformatic/kafka'
import { CONNECT_WORKER_TOPICS, findTopic, REPLAYS_TOPIC } from '@ripple/contracts'
import { deadLetterTopic } from '@ripple/kit'
import { CLICKHOUSE_SCHEMA_FILES } from './components/clickhouse.ts'
import type { ServiceDefinition, StackConfig } from './config.ts'
import { endpoints, KAFKA_PRINCIPALS, kafkaSasl } from './config.ts'
import type { ConnectorDefinition } from '@ripple/operations'
import { StackError } from './errors.ts'

/**
 * Who may do what on Kafka. Every client authenticates as a SCRAM-SHA-512 principal and the
 * broker's StandardAuthorizer allows only what an ACL grants (allow.everyone.if.no.acl.found=false):
 * each service what its package.json "ripple".kafka declares, Connect what its connectors read and
 * write, the console and the CLI what their pages and commands do, the tests a broad but not
 * super-user set. `admin` is the super user `./ripple up` itself uses; it has no ACLs.
 */

export type AclResource = 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID'
export type AclPattern = 'LITERAL' | 'PREFIXED'
export type AclOperation = 'READ' | 'WRITE' | 'CREATE' | 'DELETE' | 'DESCRIBE' | 'DESCRIBE_CONFIGS' | 'ALTER_CONFIGS'

/** One ALLOW rule for one principal (host `*`): the unit `up` creates, removes and lists. */
export interface AclEntry {
  readonly principal: string
  readonly resource: AclResource
  readonly name: string
  readonly pattern: AclPattern
  readonly operation: AclOperation
}

/** The topics and groups connectors' and the tests' throw-away connectors use: names starting `it.`, connectors named `it-…`. */
export const TEST_TOPIC_PREFIX = 'it.'
export const TEST_CONNECTOR_GROUP_PREFIX = 'connect-it-'
/** Connect's worker group and internal topics (stack/src/components/connect.ts). */
export const CONNECT_GROUP = 'ripple-connect'
export const CONNECT_TOPICS = Object.values(CONNECT_WORKER_TOPICS)
/**
 * Where a service parks what it cannot process of a consumed topic: the catalogue's dead-letter
 * topic, which a unit test holds to the kit's; the kit's own name (deadLetterTopic) for a topic the
 * catalogue does not know (a test's, or one a deployment renamed through config).
 */
const dlqOf = (topic: string) => findTopic(topic)?.deadLetter ?? deadLetterTopic(topic)

const user = (name: string) => `User:${name}`

function grant (principal: string, resource: AclResource, name: string, operations: readonly AclOperation[], pattern: AclPattern = 'LITERAL'): AclEntry[] {
  return operations.map(operation => ({ principal: user(principal), resource, name, pattern, operation }))
}

// Producing may create the topic (the clients ask metadata with auto-creation); an idempotent
// producer needs no IdempotentWrite on the cluster since Kafka 2.8 (KIP-679): Write on a topic is enough.
const PRODUCE = ['WRITE', 'DESCRIBE', 'CREATE'] as const
const CONSUME = ['READ', 'DESCRIBE', 'CREATE'] as const
const GROUP = ['READ', 'DESCRIBE'] as const

/** A service's ACLs from its registry entry: read (and its dead-letter topic) where it consumes, write where it produces, its groups. */
export function serviceAcls (service: Pick<ServiceDefinition, 'name' | 'kafka'>): AclEntry[] {
  const { consumes, produces, groups } = service.kafka
  return [
    ...consumes.flatMap(t => [...grant(service.name, 'TOPIC', t, CONSUME), ...grant(service.name, 'TOPIC', dlqOf(t), PRODUCE)]),
    ...produces.flatMap(t => grant(service.name, 'TOPIC', t, PRODUCE)),
    ...groups.flatMap(g => grant(service.name, 'GROUP', g, GROUP))
  ]
}

/** The topics a connector writes, from its settings: Debezium's prefix (and schema-change topic), an outbox route, a heartbeat topic. */
function sourceTopics (config: Record<string, string>): { literal: string[], prefixed: string[] } {
  const literal: string[] = []
  const prefixed: string[] = []
  const prefix = config['topic.prefix']
  if (prefix) {
    literal.push(prefix)
    prefixed.push(`${prefix}.`)
    if (Number(config['heartbeat.interval.ms'] ?? 0) > 0) literal.push(`${config['topic.heartbeat.prefix'] ?? '__debezium-heartbeat'}.${prefix}`)
  }
  for (const [key, value] of Object.entries(config)) {
    if (!/^transforms\.[^.]+\.route\.topic\.replacement$/.test(key)) continue
    const variable = value.indexOf('${')
    if (variable < 0) literal.push(value)
    else prefixed.push(value.slice(0, variable))
  }
  return { literal, prefixed }
}

/** Whether the ACLs include what the tests need on the local stack (a deployment runs no tests). */
export interface AclScope { tests: boolean }

/** Connect's ACLs: its worker group and internal topics, then for each connector what it reads and writes. */
export function connectAcls (connectors: readonly ConnectorDefinition[], scope: AclScope = { tests: true }): AclEntry[] {
  const p = KAFKA_PRINCIPALS.connect
  const acls: AclEntry[] = [
    ...grant(p, 'GROUP', CONNECT_GROUP, GROUP),
    ...CONNECT_TOPICS.flatMap(t => grant(p, 'TOPIC', t, ['READ', 'WRITE', 'DESCRIBE', 'CREATE', 'DESCRIBE_CONFIGS'])),
    // The tests' throw-away connectors, on their own topics: sinks (group connect-it-…) and
    // Debezium sources, whose schema history consumer's group is `<topic.prefix>-schemahistory` (it.…).
    ...(scope.tests
      ? [
          ...grant(p, 'TOPIC', TEST_TOPIC_PREFIX, ['READ', 'WRITE', 'DESCRIBE', 'CREATE', 'DESCRIBE_CONFIGS'], 'PREFIXED'),
          ...grant(p, 'GROUP', TEST_CONNECTOR_GROUP_PREFIX, GROUP, 'PREFIXED'),
          ...grant(p, 'GROUP', TEST_TOPIC_PREFIX, GROUP, 'PREFIXED')
        ]
      : [])
  ]
  for (const { name, config } of connectors) {
    const topics = (config.topics ?? '').split(',').map(t => t.trim()).filter(Boolean)
    if (topics.length > 0) {
      acls.push(...topics.flatMap(t => grant(p, 'TOPIC', t, CONSUME)), ...grant(p, 'GROUP', `connect-${name}`, GROUP))
    }
    const dlq = config['errors.deadletterqueue.topic.name']
    if (dlq) acls.push(...grant(p, 'TOPIC', dlq, PRODUCE))
    const { literal, prefixed } = sourceTopics(config)
    acls.push(...literal.flatMap(t => grant(p, 'TOPIC', t, PRODUCE)), ...prefixed.flatMap(t => grant(p, 'TOPIC', t, PRODUCE, 'PREFIXED')))
    const history = config['schema.history.internal.kafka.topic']
    if (history) {
      // Debezium reads its history back on start and checks the topic's retention settings.
      // Its consumer's group is schema.history.internal.name, which Debezium defaults to `<topic.prefix>-schemahistory`
      // (not the connector's name); it is used when a task starts again and reads the history back.
      const historyGroup = config['schema.history.internal.name'] ?? `${config['topic.prefix'] ?? name}-schemahistory`
      acls.push(...grant(p, 'TOPIC', history, ['READ', 'WRITE', 'DESCRIBE', 'CREATE', 'DESCRIBE_CONFIGS']), ...grant(p, 'GROUP', historyGroup, GROUP))
    }
  }
  return acls
}

/**
 * The console: it shows every topic and group, resets a group's offsets and replays dead letters to
 * the topic they came from (a service's or a sink's input, or a test's), marking them on the replays topic
 * (the catalogue's REPLAYS_TOPIC, as packages/operations/src/dlq/dlq.operations.ts does).
 */
export function consoleAcls (services: readonly Pick<ServiceDefinition, 'name' | 'kafka'>[], connectors: readonly ConnectorDefinition[], scope: AclScope = { tests: true }): AclEntry[] {
  const p = KAFKA_PRINCIPALS.console
  const replayTargets = new Set([
    ...services.flatMap(s => s.kafka.consumes),
    ...connectors.filter(c => c.config['errors.deadletterqueue.topic.name']).flatMap(c => (c.config.topics ?? '').split(',').map(t => t.trim()).filter(Boolean))
  ])
  return [
    ...grant(p, 'CLUSTER', 'kafka-cluster', ['DESCRIBE']),
    ...grant(p, 'TOPIC', '*', ['READ', 'DESCRIBE', 'DESCRIBE_CONFIGS']),
    ...grant(p, 'GROUP', '*', GROUP),
    ...[...replayTargets].sort().flatMap(t => grant(p, 'TOPIC', t, ['WRITE'])),
    ...(scope.tests ? grant(p, 'TOPIC', TEST_TOPIC_PREFIX, ['WRITE'], 'PREFIXED') : []),
    ...grant(p, 'TOPIC', REPLAYS_TOPIC, ['WRITE', 'CREATE'])
  ]
}

/** The CLI (`./ripple kafka …`, `./ripple dlq …`) is the operator's: any topic and group, but no ACL or cluster changes. */
export function cliAcls (): AclEntry[] {
  const p = KAFKA_PRINCIPALS.cli
  return [
    ...grant(p, 'CLUSTER', 'kafka-cluster', ['DESCRIBE']),
    ...grant(p, 'TOPIC', '*', ['READ', 'WRITE', 'CREATE', 'DELETE', 'DESCRIBE', 'DESCRIBE_CONFIGS']),
    ...grant(p, 'GROUP', '*', ['READ', 'DESCRIBE', 'DELETE'])
  ]
}

/** Tests and benchmarks make their own topics and groups and read the stack's: broad, but not a super user (no ACL, config or cluster changes). */
export function testAcls (): AclEntry[] {
  const p = KAFKA_PRINCIPALS.test
  return [
    ...grant(p, 'CLUSTER', 'kafka-cluster', ['DESCRIBE']),
    ...grant(p, 'TOPIC', '*', ['READ', 'WRITE', 'CREATE', 'DELETE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS']),
    ...grant(p, 'GROUP', '*', ['READ', 'DESCRIBE', 'DELETE'])
  ]
}

/** ClickHouse's Kafka engine tables (stack/clickhouse/*.sql): read their topics in their group. */
export function clickhouseAcls (sql: string): AclEntry[] {
  const p = KAFKA_PRINCIPALS.clickhouse
  const setting = (name: string) => [...sql.matchAll(new RegExp(`${name}\\s*=\\s*'([^']+)'`, 'g'))].flatMap(m => m[1]!.split(',').map(t => t.trim()))
  return [...setting('kafka_topic_list').flatMap(t => grant(p, 'TOPIC', t, ['READ', 'DESCRIBE'])), ...setting('kafka_group_name').flatMap(g => grant(p, 'GROUP', g, GROUP))]
}

/** Every ACL the stack manages, deduplicated and sorted; a deployment's (`tests: false`) leaves out what only the tests use. */
export function deriveAcls (services: readonly Pick<ServiceDefinition, 'name' | 'kafka'>[], connectors: readonly ConnectorDefinition[], clickhouseSql = '', scope: AclScope = { tests: true }): AclEntry[] {
  const all = [
    ...services.flatMap(serviceAcls), ...connectAcls(connectors, scope), ...consoleAcls(services, connectors, scope), ...cliAcls(),
    ...(scope.tests ? testAcls() : []), ...clickhouseAcls(clickhouseSql)
  ]
  const byKey = new Map(all.map(a => [aclKey(a), a]))
  return [...byKey.values()].sort((a, b) => aclKey(a).localeCompare(aclKey(b)))
}

const aclKey = (a: AclEntry) => [a.principal, a.resource, a.pattern, a.name, a.operation].join('\u0000')

/** Principals `up` keeps (users and ACLs): every one but the super user. */
export function managedPrincipals (config: StackConfig): string[] {
  return Object.keys(config.kafka.passwords).filter(p => p !== KAFKA_PRINCIPALS.admin)
}

const toWire = (a: AclEntry): Acl => ({
  resourceType: ResourceTypes[a.resource],
  resourceName: a.name,
  resourcePatternType: ResourcePatternTypes[a.pattern],
  principal: a.principal,
  host: '*',
  operation: AclOperations[a.operation],
  permissionType: AclPermissionTypes.ALLOW
})

const labelOf = <T extends Record<string, number>>(table: T, value: number): keyof T & string =>
  (Object.keys(table).find(k => table[k] === value) ?? 'UNKNOWN') as keyof T & string

/** Every ACL on the cluster, as entries (DENY rules, none of which the stack makes, are shown with operation prefixed DENY:). */
async function currentAcls (admin: Admin): Promise<AclEntry[]> {
  const resources = await admin.describeAcls({
    filter: { resourceType: ResourceTypes.ANY, resourceName: null, resourcePatternType: ResourcePatternTypes.ANY, principal: null, host: null, operation: AclOperations.ANY, permissionType: AclPermissionTypes.ANY }
  })
  return resources.flatMap(r => r.acls.map(acl => ({
    principal: acl.principal,
    resource: labelOf(ResourceTypes, r.resourceType) as AclResource,
    name: r.resourceName,
    pattern: labelOf(ResourcePatternTypes, r.resourcePatternType) as AclPattern,
    operation: ((acl.permissionType === AclPermissionTypes.DENY ? 'DENY:' : '') + labelOf(AclOperations, acl.operation)) as AclOperation
  })))
}

// Kafka's own default (kafka-configs, --add-scram): 4096 iterations; the salted password is PBKDF2 (RFC 5802's Hi).
const SCRAM_ITERATIONS = 4096
const SCRAM_SHA_512 = 2

/**
 * Creates or updates the SCRAM credentials of the given principals through the Admin API's
 * AlterUserScramCredentials (the library has the request but no Admin method for it): the salted
 * password is computed here, so the password itself never leaves this process.
 */
export async function upsertScramUsers (config: StackConfig, principals: readonly string[]): Promise<void> {
  const [host, port] = endpoints(config).kafkaBrokers[0]!.split(':') as [string, string]
  const connection = new Connection('ripple-up', { sasl: kafkaSasl(config, KAFKA_PRINCIPALS.admin), connectTimeout: 5000, requestTimeout: 15_000 })
  try {
    await connection.connect(host, Number(port))
    const upsertions = principals.map(name => {
      // Printable, as Kafka's own salts are: some older clients (ClickHouse's librdkafka) mishandle other bytes.
      const salt = Buffer.from(randomBytes(24).toString('base64url'))
      return { name, mechanism: SCRAM_SHA_512, iterations: SCRAM_ITERATIONS, salt, saltedPassword: pbkdf2Sync(config.kafka.passwords[name]!, salt, SCRAM_ITERATIONS, 64, 'sha512') }
    })
    const response = await alterUserScramCredentialsV0.api.async(connection, [], upsertions)
    const failed = response.results.find(r => r.errorCode !== 0)
    if (failed) throw new StackError('KAFKA_USERS', `Kafka refused the SCRAM credentials of ${failed.user} (error ${failed.errorCode}: ${failed.errorMessage ?? 'no message'}).`)
  } finally {
    await connection.close()
  }
}

/**
 * What `up` does once Kafka answers: every managed principal's credentials, then its ACLs made
 * exactly the derived set (missing ones created, ones no longer declared removed). Idempotent.
 */
export async function applyKafkaSecurity (config: StackConfig, connectors: readonly ConnectorDefinition[]): Promise<{ created: number, removed: number }> {
  const principals = managedPrincipals(config)
  await upsertScramUsers(config, principals)
  const clickhouseSql = CLICKHOUSE_SCHEMA_FILES.map(f => readFileSync(join(config.repoRoot, 'stack', 'clickhouse', f), 'utf8')).join('\n')
  const wanted = deriveAcls(config.services, connectors, clickhouseSql)
  const admin = new Admin({ clientId: 'ripple-up', bootstrapBrokers: endpoints(config).kafkaBrokers, sasl: kafkaSasl(config, KAFKA_PRINCIPALS.admin) })
  try {
    const managed = new Set(principals.map(user))
    const present = (await currentAcls(admin)).filter(a => managed.has(a.principal))
    const presentKeys = new Set(present.map(aclKey))
    const wantedKeys = new Set(wanted.map(aclKey))
    const missing = wanted.filter(a => !presentKeys.has(aclKey(a)))
    const extra = present.filter(a => !wantedKeys.has(aclKey(a)) && !a.operation.startsWith('DENY:'))
    if (missing.length > 0) await admin.createAcls({ creations: missing.map(toWire) })
    if (extra.length > 0) await admin.deleteAcls({ filters: extra.map(toWire) })
    return { created: missing.length, removed: extra.length }
  } finally {
    await admin.close()
  }
}

export interface PrincipalAcls {
  principal: string
  acls: { resource: AclResource, name: string, pattern: AclPattern, operations: string[] }[]
}

/** `./ripple kafka acls`: the cluster's ACLs by principal, one line per resource (the principals `up` manages listed even with none). */
export async function listKafkaAcls (config: StackConfig): Promise<PrincipalAcls[]> {
  const admin = new Admin({ clientId: 'ripple-kafka-acls', bootstrapBrokers: endpoints(config).kafkaBrokers, sasl: endpoints(config).kafkaSasl })
  let entries: AclEntry[]
  try {
    entries = await currentAcls(admin)
  } finally {
    await admin.close()
  }
  const byPrincipal = new Map<string, Map<string, PrincipalAcls['acls'][number]>>()
  for (const p of managedPrincipals(config)) byPrincipal.set(user(p), new Map())
  for (const e of entries) {
    const resources = byPrincipal.get(e.principal) ?? new Map()
    byPrincipal.set(e.principal, resources)
    const key = `${e.resource}\u0000${e.pattern}\u0000${e.name}`
    const r = resources.get(key) ?? { resource: e.resource, name: e.name, pattern: e.pattern, operations: [] }
    r.operations.push(e.operation)
    resources.set(key, r)
  }
  return [...byPrincipal.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([principal, resources]) => ({
    principal,
    acls: [...resources.values()].map(r => ({ ...r, operations: r.operations.sort() })).sort((a, b) => `${a.resource} ${a.name}`.localeCompare(`${b.resource} ${b.name}`))
  }))
}

/** The 0600 file Connect's FileConfigProvider reads its own Kafka login from: the worker's and the connectors' clients name it as ${file:…}. */
export function connectKafkaLoginFile (config: StackConfig): string {
  return join(config.paths.conf, 'connect-kafka.properties')
}

export function writeConnectKafkaLogin (config: StackConfig): string {
  const file = connectKafkaLoginFile(config)
  const { username, password } = kafkaSasl(config, KAFKA_PRINCIPALS.connect)
  mkdirSync(config.paths.conf, { recursive: true })
  writeFileSync(file, `# Written by ./ripple up: Connect's Kafka login (principal ${username}).\nsasl.jaas.config=${scramJaas(username, password)}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
  return file
}

/** A Java client's SCRAM-SHA-512 login module line. */
export const scramJaas = (username: string, password: string) =>
  `org.apache.kafka.common.security.scram.ScramLoginModule required username="${username}" password="${password}";`

/** A Java client's security settings with the login taken from `jaas` (the line itself, or a ${file:…} reference). */
export function javaClientSecurity (jaas: string, prefix = ''): Record<string, string> {
  return {
    [`${prefix}security.protocol`]: 'SASL_PLAINTEXT',
    [`${prefix}sasl.mechanism`]: 'SCRAM-SHA-512',
    [`${prefix}sasl.jaas.config`]: jaas
  }
}

/**
 * A connector's own Kafka clients (Debezium's schema history producer and consumer) log in as
 * Connect, through its login file: added to a connector that has them, so connectors/*.json
 * never carries a password nor a login.
 */
export function withConnectorKafkaLogin (config: StackConfig, definition: ConnectorDefinition): ConnectorDefinition {
  if (!definition.config['schema.history.internal.kafka.bootstrap.servers']) return definition
  const login = `\${file:${connectKafkaLoginFile(config)}:sasl.jaas.config}`
  return {
    name: definition.name,
    config: {
      ...definition.config,
      ...javaClientSecurity(login, 'schema.history.internal.producer.'),
      ...javaClientSecurity(login, 'schema.history.internal.consumer.')
    }
  }
}

/**
 * A 0600 client properties file for Kafka's own Java tools (console consumer, perf tools, topic
 * command), logged in as `principal`: given as --command-config / --consumer.config /
 * --producer.config, so the password is in no process's arguments. Under RIPPLE_HOME/run.
 */
export function writeJavaClientProperties (config: StackConfig, principal: string): string {
  const { username, password } = kafkaSasl(config, principal)
  mkdirSync(config.paths.run, { recursive: true })
  const file = join(config.paths.run, `kafka-client-${principal}.properties`)
  writeFileSync(file, Object.entries(javaClientSecurity(scramJaas(username, password))).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 })
  chmodSync(file, 0o600)
  return file
}
