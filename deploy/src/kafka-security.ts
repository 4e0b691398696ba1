import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLICKHOUSE_SCHEMA_FILES } from '@ripple/stack/components'
import { KAFKA_PRINCIPALS, deriveAcls, javaClientSecurity, scramJaas, passwordVariable } from '@ripple/stack'
import type { StackConfig, AclEntry } from '@ripple/stack'
import type { ConnectorDefinition } from '@ripple/operations'

/**
 * Kafka's security in a deployment, the same model as `./ripple up`'s (stack/src/kafka-auth.ts):
 * SCRAM-SHA-512 on the client listener, the StandardAuthorizer with no access where no ACL, one
 * principal per service, Connect, the console, the CLI and ClickHouse, each with the ACLs the stack
 * derives from the services' package.json "ripple".kafka and the connectors. Tests run only on the
 * local stack, so `ripple-test` has no user here; `admin` is the super user (Compose) or Strimzi's own.
 */

/** The principals a deployment creates users for. */
export function deploymentPrincipals (config: StackConfig): string[] {
  return [KAFKA_PRINCIPALS.connect, KAFKA_PRINCIPALS.console, KAFKA_PRINCIPALS.cli, KAFKA_PRINCIPALS.clickhouse, ...config.services.map(s => s.name)]
}

/** Every ACL of the deployment's principals, as the stack derives them. */
export function deploymentAcls (config: StackConfig, connectors: readonly ConnectorDefinition[]): AclEntry[] {
  const clickhouseSql = CLICKHOUSE_SCHEMA_FILES.map(f => readFileSync(join(config.repoRoot, 'stack', 'clickhouse', f), 'utf8')).join('\n')
  const principals = new Set(deploymentPrincipals(config).map(p => `User:${p}`))
  return deriveAcls(config.services, connectors, clickhouseSql, { tests: false }).filter(a => principals.has(a.principal))
}

/** The variable that holds a principal's password in `.env` and the `ripple-secrets` Secret. */
export const kafkaPasswordVariable = (principal: string): string => passwordVariable('kafka', principal)

/** The key of Connect's secrets file that holds its own Kafka login (a JAAS line), read through FileConfigProvider. */
export const CONNECT_KAFKA_LOGIN_KEY = 'kafka.connect.sasl.jaas.config'

/** The JAAS line `generate.ts secrets` writes under CONNECT_KAFKA_LOGIN_KEY. */
export function connectKafkaLogin (password: string): string {
  return scramJaas(KAFKA_PRINCIPALS.connect, password)
}

/** A connector's own clients (Debezium's schema history) log in as Connect through the secrets file. */
export function withDeploymentKafkaLogin (definition: ConnectorDefinition, connectSecretsFile: string): ConnectorDefinition {
  if (!definition.config['schema.history.internal.kafka.bootstrap.servers']) return definition
  const login = `\${file:${connectSecretsFile}:${CONNECT_KAFKA_LOGIN_KEY}}`
  return {
    name: definition.name,
    config: { ...definition.config, ...javaClientSecurity(login, 'schema.history.internal.producer.'), ...javaClientSecurity(login, 'schema.history.internal.consumer.') }
  }
}

/** The Compose worker's own clients (group membership, producer, consumer, admin) log in as Connect. */
export function connectWorkerLogin (connectSecretsFile: string): Record<string, string> {
  const login = `\${file:${connectSecretsFile}:${CONNECT_KAFKA_LOGIN_KEY}}`
  return Object.assign({}, ...['', 'producer.', 'consumer.', 'admin.'].map(prefix => javaClientSecurity(login, prefix)))
}

/**
 * A Compose broker's security settings. The passwords are Kafka's own `${env:…}` references
 * (EnvVarConfigProvider), filled from the container's environment, so the file holds none. The
 * controller listener takes SASL/PLAIN with the super user's one static account (SCRAM's
 * credentials live in the metadata the controllers serve), as on the stack.
 */
export function composeBrokerSecurity (): Record<string, string> {
  const admin = KAFKA_PRINCIPALS.admin
  const password = `\${env:${kafkaPasswordVariable(admin)}}`
  return {
    'config.providers': 'env',
    'config.providers.env.class': 'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
    'listener.security.protocol.map': 'CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT',
    'inter.broker.listener.name': 'CLIENT',
    'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
    'sasl.mechanism.controller.protocol': 'PLAIN',
    'listener.name.client.sasl.enabled.mechanisms': 'SCRAM-SHA-512',
    'listener.name.client.scram-sha-512.sasl.jaas.config': scramJaas(admin, password),
    'listener.name.controller.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.controller.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="${admin}" password="${password}" user_${admin}="${password}";`,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found': 'false',
    'super.users': `User:${admin}`
  }
}

/** Strimzi's ACL rule shape: one per resource, its operations in Strimzi's spelling. */
export interface StrimziAcl {
  type: 'allow'
  resource: { type: 'topic' | 'group' | 'cluster' | 'transactionalId', name?: string, patternType?: 'literal' | 'prefix' }
  operations: string[]
}

const STRIMZI_RESOURCE = { TOPIC: 'topic', GROUP: 'group', CLUSTER: 'cluster', TRANSACTIONAL_ID: 'transactionalId' } as const
const STRIMZI_OPERATION: Record<string, string> = {
  READ: 'Read', WRITE: 'Write', CREATE: 'Create', DELETE: 'Delete', DESCRIBE: 'Describe', DESCRIBE_CONFIGS: 'DescribeConfigs', ALTER_CONFIGS: 'AlterConfigs'
}

/** One principal's ACLs as Strimzi's KafkaUser rules, grouped by resource. */
export function strimziAcls (acls: readonly AclEntry[], principal: string): StrimziAcl[] {
  const rules = new Map<string, StrimziAcl>()
  for (const a of acls.filter(e => e.principal === `User:${principal}`)) {
    const type = STRIMZI_RESOURCE[a.resource]
    const resource: StrimziAcl['resource'] = type === 'cluster' ? { type } : { type, name: a.name, patternType: a.pattern === 'PREFIXED' ? 'prefix' : 'literal' }
    const key = JSON.stringify(resource)
    const rule = rules.get(key) ?? { type: 'allow', resource, operations: [] }
    const operation = STRIMZI_OPERATION[a.operation]
    if (!operation) throw new Error(`ACL operation ${a.operation} of ${principal} has no Strimzi spelling: add it to deploy/src/kafka-security.ts`)
    if (!rule.operations.includes(operation)) rule.operations.push(operation)
    rules.set(key, rule)
  }
  return [...rules.values()]
}
