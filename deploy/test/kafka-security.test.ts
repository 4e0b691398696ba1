// The deployments carry the local stack's Kafka security model: SCRAM-SHA-512 on the client
// listener, the StandardAuthorizer with no access where no ACL, one principal per service,
// Connect, the console, the CLI and ClickHouse, each with exactly the ACLs `./ripple up` derives.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { Ajv } from 'ajv'
import { KAFKA_PRINCIPALS, loadConnectorFiles, deriveAcls } from '@ripple/stack'
import type { AclEntry } from '@ripple/stack'
import { deploymentAcls, deploymentPrincipals, kafkaPasswordVariable } from '../src/kafka-security.ts'
import type { strimziAcls } from '../src/kafka-security.ts'
import { deploymentConfig, secretVariables } from '../src/sources.ts'
import { composeServices, copy, deployDir, named, ofKind } from './manifests.ts'

const config = deploymentConfig()
const connectors = loadConnectorFiles(config)
const services = composeServices()

/**
 * KafkaUser (kafka.strimzi.io/v1) as Strimzi 1.0.1 documents it: its CRD is not among the shared
 * schemas, so the fields the manifests use are declared here, closed, with Strimzi's enums.
 */
const kafkaUserSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'kafka.strimzi.io/v1' },
    kind: { const: 'KafkaUser' },
    metadata: { type: 'object', required: ['name', 'labels'], properties: { name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' }, labels: { type: 'object', required: ['strimzi.io/cluster'] } } },
    spec: {
      type: 'object',
      additionalProperties: false,
      required: ['authentication', 'authorization'],
      properties: {
        authentication: {
          type: 'object',
          additionalProperties: false,
          required: ['type'],
          properties: {
            type: { enum: ['tls', 'tls-external', 'scram-sha-512'] },
            password: { type: 'object', additionalProperties: false, required: ['valueFrom'], properties: { valueFrom: { type: 'object', additionalProperties: false, properties: { secretKeyRef: { type: 'object', additionalProperties: false, required: ['name', 'key'], properties: { name: { type: 'string' }, key: { type: 'string' } } } } } } }
          }
        },
        authorization: {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'acls'],
          properties: {
            type: { const: 'simple' },
            acls: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['resource', 'operations'],
                properties: {
                  type: { enum: ['allow', 'deny'] },
                  resource: { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { enum: ['topic', 'group', 'cluster', 'transactionalId'] }, name: { type: 'string' }, patternType: { enum: ['literal', 'prefix'] } } },
                  operations: { type: 'array', minItems: 1, items: { enum: ['Read', 'Write', 'Create', 'Delete', 'Alter', 'Describe', 'ClusterAction', 'AlterConfigs', 'DescribeConfigs', 'IdempotentWrite', 'All'] } }
                }
              }
            }
          }
        }
      }
    }
  }
}
const validateUser = new Ajv({ allErrors: true }).compile(kafkaUserSchema)

/** A KafkaUser's rules back as the stack's ACL entries, to compare with what `./ripple up` applies. */
function entriesOf (principal: string, rules: ReturnType<typeof strimziAcls>): string[] {
  const op: Record<string, string> = { Read: 'READ', Write: 'WRITE', Create: 'CREATE', Delete: 'DELETE', Describe: 'DESCRIBE', DescribeConfigs: 'DESCRIBE_CONFIGS', AlterConfigs: 'ALTER_CONFIGS' }
  const resource: Record<string, string> = { topic: 'TOPIC', group: 'GROUP', cluster: 'CLUSTER', transactionalId: 'TRANSACTIONAL_ID' }
  return rules.flatMap(r => r.operations.map(o => [`User:${principal}`, resource[r.resource.type], r.resource.name ?? 'kafka-cluster', r.resource.patternType === 'prefix' ? 'PREFIXED' : 'LITERAL', op[o]].join(' '))).sort()
}
const keyOf = (a: AclEntry) => [a.principal, a.resource, a.name, a.pattern, a.operation].join(' ')

test('Strimzi: the listener authenticates with SCRAM-SHA-512, authorization is simple, and the User Operator manages the users', () => {
  const kafka = named('Kafka', 'ripple')!.spec as { kafka: { listeners: { authentication?: { type: string } }[], authorization?: { type: string } }, entityOperator: Record<string, unknown> }
  assert.ok(kafka.kafka.listeners.length > 0)
  for (const l of kafka.kafka.listeners) assert.equal(l.authentication?.type, 'scram-sha-512')
  assert.equal(kafka.kafka.authorization?.type, 'simple')
  assert.ok(kafka.entityOperator.userOperator, 'userOperator on')
})

test('Strimzi: one valid KafkaUser per principal, its password from the Secret, its ACLs exactly the stack\'s', () => {
  const users = ofKind('KafkaUser')
  const acls = deploymentAcls(config, connectors)
  // The local stack's grants for the tests' throw-away topics, groups and connectors stay there.
  assert.deepEqual(acls.filter(a => a.name.startsWith('it.') || a.name.startsWith('connect-it-')), [])
  assert.ok(deriveAcls(config.services, connectors).some(a => a.principal === 'User:connect' && a.name === 'it.'), 'the stack has them')
  assert.deepEqual(users.map(u => u.metadata.name).sort(), deploymentPrincipals(config).sort())
  assert.ok(users.some(u => u.metadata.name === 'notification-service'), 'services have their own principal')
  const secretKeys = new Set(secretVariables(config).map(s => s.variable))
  for (const u of users) {
    assert.equal(validateUser(u), true, `${u.metadata.name}: ${JSON.stringify(validateUser.errors)}`)
    const spec = u.spec as { authentication: { type: string, password: { valueFrom: { secretKeyRef: { key: string } } } }, authorization: { acls: ReturnType<typeof strimziAcls> } }
    assert.equal(spec.authentication.type, 'scram-sha-512')
    const key = spec.authentication.password.valueFrom.secretKeyRef.key
    assert.equal(key, kafkaPasswordVariable(u.metadata.name))
    assert.ok(secretKeys.has(key), `generate.ts secrets writes ${key}`)
    const expected = acls.filter(a => a.principal === `User:${u.metadata.name}`).map(keyOf).sort()
    assert.deepEqual(entriesOf(u.metadata.name, spec.authorization.acls), expected, `${u.metadata.name}'s ACLs`)
  }
  assert.ok(acls.some(a => a.principal === 'User:notification-service' && a.resource === 'GROUP'), 'a consuming service has its group')
  // The tests' principal and the super user exist on the local stack only.
  assert.ok(!users.some(u => [KAFKA_PRINCIPALS.test, KAFKA_PRINCIPALS.admin].includes(u.metadata.name as never)))
})

test('the KafkaUser schema refuses a user without authorization, an unknown operation and a misspelt field', () => {
  const user = copy(named('KafkaUser', 'notification-service')!)
  const spec = user.spec as Record<string, unknown>
  const broken = [
    (() => { const u = copy(user); delete (u.spec as Record<string, unknown>).authorization; return u })(),
    (() => { const u = copy(user); ((u.spec as { authorization: { acls: { operations: string[] }[] } }).authorization.acls[0]!.operations = ['Steal']); return u })(),
    (() => { const u = copy(user); (u.spec as Record<string, unknown>).authorisation = spec.authorization; return u })()
  ]
  for (const u of broken) assert.equal(validateUser(u), false)
})

test('Strimzi: Connect\'s workers log in as connect, its connectors\' own clients through the secrets file', () => {
  const connect = ofKind('KafkaConnect')[0]!.spec as { authentication: { type: string, username: string, passwordSecret: { password: string } }, config: Record<string, unknown> }
  assert.equal(connect.authentication.type, 'scram-sha-512')
  assert.equal(connect.authentication.username, KAFKA_PRINCIPALS.connect)
  assert.equal(connect.authentication.passwordSecret.password, kafkaPasswordVariable(KAFKA_PRINCIPALS.connect))
  // Strimzi refuses security settings in .spec.config: it writes them itself.
  assert.deepEqual(Object.keys(connect.config).filter(k => /^((producer|consumer|admin)\.)?(sasl\.|security\.protocol)/.test(k)), [])
  for (const c of ofKind('KafkaConnector')) {
    const cfg = (c.spec as { config: Record<string, string> }).config
    if (!cfg['schema.history.internal.kafka.bootstrap.servers']) continue
    assert.equal(cfg['schema.history.internal.producer.security.protocol'], 'SASL_PLAINTEXT', c.metadata.name)
    assert.match(cfg['schema.history.internal.consumer.sasl.jaas.config'] ?? '', /^\$\{file:\/mnt\/connect-secrets\/connect-secrets\.properties:kafka\.connect\.sasl\.jaas\.config\}$/)
  }
})

test('Compose: brokers authorize with no access where no ACL, their passwords only as ${env:…} references', () => {
  for (const host of ['kafka-1', 'kafka-2', 'kafka-3']) {
    const text = readFileSync(join(deployDir, 'compose', 'kafka', `${host}.properties`), 'utf8')
    const props = Object.fromEntries(text.split('\n').filter(l => l.includes('=') && !l.startsWith('#')).map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
    assert.equal(props['authorizer.class.name'], 'org.apache.kafka.metadata.authorizer.StandardAuthorizer')
    assert.equal(props['allow.everyone.if.no.acl.found'], 'false')
    assert.equal(props['listener.security.protocol.map'], 'CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT')
    assert.equal(props['sasl.mechanism.inter.broker.protocol'], 'SCRAM-SHA-512')
    for (const [key, value] of Object.entries(props)) {
      if (/password/.test(value)) assert.match(value, /password="\$\{env:RIPPLE_KAFKA_ADMIN_PASSWORD\}"/, `${host} ${key} names the password, never holds it`)
    }
    assert.match(services[host]!.environment?.RIPPLE_KAFKA_ADMIN_PASSWORD ?? '', /^\$\{RIPPLE_KAFKA_ADMIN_PASSWORD:\?/)
    // The password reaches the storage format through a 0600 argument file, not a command line.
    const script = (services[host] as { command?: string[] }).command?.join(' ') ?? ''
    assert.match(script, /java @\/tmp\/format\.args/)
    assert.match(script, /umask 077/)
  }
  const worker = readFileSync(join(deployDir, 'compose', 'connect', 'connect-distributed.properties'), 'utf8')
  for (const prefix of ['', 'producer.', 'consumer.', 'admin.']) {
    assert.match(worker, new RegExp(`^${prefix.replace('.', '\\.')}sasl\\.jaas\\.config=\\$\\{file:/run/secrets/connect-secrets:kafka\\.connect\\.sasl\\.jaas\\.config\\}$`, 'm'))
  }
})

test('every service logs in to Kafka as itself, in Compose and on Kubernetes', () => {
  for (const s of config.services) {
    const variable = kafkaPasswordVariable(s.name)
    assert.equal(services[s.name]?.environment?.KAFKA_SASL_USERNAME, s.name)
    assert.match(services[s.name]?.environment?.KAFKA_SASL_PASSWORD ?? '', new RegExp(`^\\$\\{${variable}:\\?`))
    const settings = named('ConfigMap', `${s.name}-env`)!.data as Record<string, string>
    assert.equal(settings.KAFKA_SASL_USERNAME, s.name)
    const container = ((named('Deployment', s.name)!.spec as { template: { spec: { containers: { env: { name: string, valueFrom?: { secretKeyRef: { key: string } } }[] }[] } } }).template.spec.containers[0]!)
    assert.equal(container.env.find(e => e.name === 'KAFKA_SASL_PASSWORD')?.valueFrom?.secretKeyRef.key, variable)
  }
})
