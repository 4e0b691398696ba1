import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1'
import { CONNECT_ACCOUNTS, consoleReads } from '@ripple/stack'
import { CONNECT_AUTHORIZATION_VARIABLE } from '@ripple/stack/components'
import { writeSecrets } from '../src/generate.ts'
import { CONNECT_API_CALLERS } from '../src/k8s.ts'
import { ACCOUNT_PASSWORD_VARIABLES, connectAuthorizationVariable, deploymentConfig } from '../src/sources.ts'
import { COMPOSE_CONNECT_JAAS, COMPOSE_CONNECT_REST_CREDENTIALS, CONNECT_CLUSTER, CONNECT_REST_CREDENTIALS_FILE } from '../src/target.ts'
import { composeDocument, composeServices, containerOf, deployDir, named, ofKind } from './manifests.ts'

// Each door of the stack, as the deployments keep it: who may pass, and how it is checked.

const services = composeServices()
const config = deploymentConfig()
const properties = (file: string): Record<string, string> => Object.fromEntries(readFileSync(join(deployDir, file), 'utf8').split('\n')
  .filter(l => l.includes('=') && !l.startsWith('#')).map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
const BASIC_AUTH_EXTENSION = 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension'

test('Compose Connect: its REST API logs every caller in (BasicAuthSecurityRestExtension, accounts in a compose secret), and no connector overrides its clients', () => {
  const worker = properties('compose/connect/connect-distributed.properties')
  assert.equal(worker['rest.extension.classes'], BASIC_AUTH_EXTENSION)
  assert.equal(worker['connector.client.config.override.policy'], 'None')
  const connect = services.connect as { environment: Record<string, string>, volumes: string[], secrets: string[] }
  assert.equal(connect.environment.KAFKA_OPTS, `-Djava.security.auth.login.config=${COMPOSE_CONNECT_JAAS}`)
  assert.ok(connect.volumes.includes(`./connect/connect-jaas.conf:${COMPOSE_CONNECT_JAAS}:ro`))
  const jaas = readFileSync(join(deployDir, 'compose', 'connect', 'connect-jaas.conf'), 'utf8')
  assert.match(jaas, /^KafkaConnect \{\n {2}org\.apache\.kafka\.connect\.rest\.basic\.auth\.extension\.PropertyFileLoginModule required file="([^"]+)";\n\};$/m)
  assert.ok(jaas.includes(`file="${COMPOSE_CONNECT_REST_CREDENTIALS}"`))
  // The accounts file is a compose secret (mounted at /run/secrets/<name>), written per install.
  assert.ok(connect.secrets.includes('connect-rest-credentials'))
  assert.deepEqual((composeDocument().secrets as Record<string, { file: string }>)['connect-rest-credentials'], { file: `./secrets/${CONNECT_REST_CREDENTIALS_FILE}` })
  assert.equal(`/run/secrets/connect-rest-credentials`, COMPOSE_CONNECT_REST_CREDENTIALS)
  // Its own health check logs in too: an anonymous GET /connectors is a 401, not the 200 it waits for.
  assert.match(services.connect!.healthcheck!.test.join(' '), /Authorization: %s.*"\$\$CONNECT_HEALTH_AUTHORIZATION"/)
  assert.match(connect.environment.CONNECT_HEALTH_AUTHORIZATION!, new RegExp(`^\\$\\{${connectAuthorizationVariable('cli')}:\\?`))
})

test('Compose: the gateway and the connectors job reach Connect with accounts of their own', () => {
  const gateway = services.gateway!.environment!
  assert.match(gateway[CONNECT_AUTHORIZATION_VARIABLE]!, new RegExp(`^\\$\\{${connectAuthorizationVariable('gateway')}:\\?`))
  assert.match(readFileSync(join(deployDir, 'compose', 'gateway', 'haproxy.cfg'), 'utf8'), new RegExp(`http-request set-header Authorization "\\$\\{${CONNECT_AUTHORIZATION_VARIABLE}\\}"`))
  const job = services.connectors!.environment!
  assert.equal(job.CONNECT_USER, CONNECT_ACCOUNTS.cli)
  assert.match(job.CONNECT_PASSWORD!, new RegExp(`^\\$\\{${ACCOUNT_PASSWORD_VARIABLES.connectCli}:\\?`))
  const console = services.console!.environment!
  assert.match(console.RIPPLE_CONNECT_CONSOLE_PASSWORD!, new RegExp(`^\\$\\{${ACCOUNT_PASSWORD_VARIABLES.connectConsole}:\\?`))
})

test('generate.ts secrets: Connect\'s REST accounts file holds each account, and each Authorization header is its own password\'s', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripple-deploy-doors-'))
  try {
    await writeSecrets(dir)
    const env = Object.fromEntries(readFileSync(join(dir, 'compose', '.env'), 'utf8').split('\n').filter(l => /^[A-Z0-9_]+=/.test(l)).map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
    const credentials = readFileSync(join(dir, 'compose', 'secrets', CONNECT_REST_CREDENTIALS_FILE), 'utf8')
    const k8s = readFileSync(join(dir, 'k8s', 'secrets', 'secrets.yaml'), 'utf8')
    for (const [account, user] of Object.entries(CONNECT_ACCOUNTS)) {
      const password = env[`RIPPLE_CONNECT_${user.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PASSWORD`]
      assert.ok(password && password.length >= 32, `${user}'s password`)
      assert.ok(credentials.includes(`${user}=${password}\n`), `${user} is an account of Connect's REST API`)
      assert.equal(env[connectAuthorizationVariable(account as keyof typeof CONNECT_ACCOUNTS)], `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`)
    }
    assert.ok(k8s.includes(`${CONNECT_REST_CREDENTIALS_FILE}:`), 'the Kubernetes Connect Secret carries the same accounts')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('Kubernetes Connect: no connector overrides its clients; its REST API admits Strimzi\'s operator (its own policy) and this one\'s gateway and console only', () => {
  const connect = ofKind('KafkaConnect')[0]!
  assert.equal((connect.metadata.annotations as Record<string, string>)['strimzi.io/use-connector-resources'], 'true', 'Strimzi locks the REST API to its operator only with connector resources')
  assert.equal((connect.spec as { config: Record<string, string> }).config['connector.client.config.override.policy'], 'None')
  const policies = ofKind('NetworkPolicy')
  const policy = policies.find(p => (p.spec as { podSelector: { matchLabels: Record<string, string> } }).podSelector.matchLabels['strimzi.io/cluster'] === CONNECT_CLUSTER)
  assert.ok(policy, 'a NetworkPolicy selects the Connect pods')
  new NetworkPolicy(policy as never).validate()
  const spec = policy.spec as { podSelector: { matchLabels: Record<string, string> }, policyTypes: string[], ingress: { from: { podSelector: { matchLabels: Record<string, string> } }[], ports: { port: number }[] }[] }
  assert.deepEqual(spec.podSelector.matchLabels, { 'strimzi.io/cluster': CONNECT_CLUSTER, 'strimzi.io/kind': 'KafkaConnect' })
  assert.deepEqual(spec.policyTypes, ['Ingress'])
  assert.equal(spec.ingress.length, 1)
  assert.deepEqual(spec.ingress[0]!.from.map(f => f.podSelector.matchLabels['app.kubernetes.io/name']).sort(), [...CONNECT_API_CALLERS].sort())
  assert.deepEqual(spec.ingress[0]!.ports.map(p => p.port), [8083])
  for (const caller of CONNECT_API_CALLERS) {
    const labels = ((named('Deployment', caller)!.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels)
    assert.equal(labels['app.kubernetes.io/name'], caller, `${caller}'s pods carry the label the policy admits`)
  }
  const gateway = containerOf(named('Deployment', 'gateway')!)
  assert.equal(gateway.env?.find(e => e.name === CONNECT_AUTHORIZATION_VARIABLE)?.valueFrom?.secretKeyRef?.key, connectAuthorizationVariable('gateway'))
})

const CASSANDRA_AUTH = ['-Dcassandra.settings.authenticator=PasswordAuthenticator', '-Dcassandra.settings.authorizer=CassandraAuthorizer', '-Dcassandra.settings.role_manager=CassandraRoleManager']

test('Cassandra asks every client for a role (PasswordAuthenticator, CassandraAuthorizer) in both deployments', () => {
  const compose = services.cassandra!.environment!.JVM_EXTRA_OPTS!.split(' ')
  const k8s = containerOf(named('StatefulSet', 'cassandra')!).env?.find(e => e.name === 'JVM_EXTRA_OPTS')?.value?.split(' ') ?? []
  for (const option of CASSANDRA_AUTH) {
    assert.ok(compose.includes(option), `Compose: ${option}`)
    assert.ok(k8s.includes(option), `Kubernetes: ${option}`)
  }
  // Nothing checks health through cqlsh without a login.
  assert.doesNotMatch(services.cassandra!.healthcheck!.test.join(' '), /cqlsh/)
})

test('Cassandra\'s init job replaces the default superuser and gives carga-service a role on its keyspace only; the script is the same in both deployments', () => {
  const script = readFileSync(join(deployDir, 'compose', 'cassandra', 'init.sh'), 'utf8')
  const configMap = named('ConfigMap', 'cassandra-init')!.data as Record<string, string>
  assert.equal(configMap['init.sh'], script)
  const job = services['cassandra-schema']!
  assert.deepEqual(job.command, ['bash', '/etc/ripple/cassandra-init.sh'])
  for (const variable of ['RIPPLE_CASSANDRA_RIPPLE_PASSWORD', 'RIPPLE_CASSANDRA_CARGA_SERVICE_PASSWORD']) {
    assert.match(job.environment![variable]!, new RegExp(`^\\$\\{${variable}:\\?`))
    assert.equal(containerOf(named('Job', 'cassandra-schema')!).env?.find(e => e.name === variable)?.valueFrom?.secretKeyRef?.key, variable)
  }
  const carga = services['carga-service']!.environment!
  assert.equal(carga.CASSANDRA_USER, 'carga_service')
  assert.match(carga.CASSANDRA_PASSWORD!, /^\$\{RIPPLE_CASSANDRA_CARGA_SERVICE_PASSWORD:\?/)
  assert.equal(containerOf(named('Deployment', 'carga-service')!).env?.find(e => e.name === 'CASSANDRA_PASSWORD')?.valueFrom?.secretKeyRef?.key, 'RIPPLE_CASSANDRA_CARGA_SERVICE_PASSWORD')
})

test('Cassandra\'s init script, run against a stand-in cqlsh: logs in through a 0600 file, never names a password in arguments, and grants carga_service SELECT and MODIFY on my_keyspace alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripple-deploy-cqlsh-'))
  try {
    // A cqlsh that takes the default superuser until `ripple` exists, then only `ripple`; it records its arguments and each file it runs.
    writeFileSync(join(dir, 'cqlsh'), [
      '#!/bin/bash',
      'rc="${@:1:1}"; rc="${rc#--cqlshrc=}"',
      'user=$(sed -n "s/^username = //p" "$rc"); password=$(sed -n "s/^password = //p" "$rc")',
      'stat -c %a "$rc" >> "$LOG.modes"',
      'printf "%s\\n" "$*" >> "$LOG.args"',
      'if [ -f "$LOG.ripple" ]; then [ "$user" = ripple ] && [ "$password" = "$RIPPLE_CASSANDRA_RIPPLE_PASSWORD" ] || exit 1',
      'else [ "$user" = cassandra ] && [ "$password" = cassandra ] || exit 1; fi',
      'if [ "${@: -2:1}" = -f ]; then cat "${@: -1}" >> "$LOG.cql"; grep -q "CREATE ROLE IF NOT EXISTS ripple" "${@: -1}" && touch "$LOG.ripple"; fi',
      'exit 0',
      ''
    ].join('\n'), { mode: 0o755 })
    const log = join(dir, 'log')
    const env = { PATH: `${dir}:${process.env.PATH}`, LOG: log, RIPPLE_CASSANDRA_RIPPLE_PASSWORD: 'admin-p\'w', RIPPLE_CASSANDRA_CARGA_SERVICE_PASSWORD: 'carga-pw' }
    execFileSync('bash', [join(deployDir, 'compose', 'cassandra', 'init.sh')], { env, stdio: 'pipe' })
    const cql = readFileSync(`${log}.cql`, 'utf8')
    const args = readFileSync(`${log}.args`, 'utf8')
    assert.ok(!args.includes('admin-p') && !args.includes('carga-pw'), 'no password in cqlsh\'s arguments')
    assert.deepEqual([...new Set(readFileSync(`${log}.modes`, 'utf8').trim().split('\n'))], ['600'])
    assert.match(cql, /CREATE ROLE IF NOT EXISTS ripple WITH SUPERUSER = true AND LOGIN = true AND PASSWORD = 'admin-p''w';/)
    assert.match(cql, /DROP ROLE IF EXISTS cassandra;/)
    assert.match(cql, /CREATE TABLE IF NOT EXISTS my_keyspace\.tabela /)
    assert.match(cql, /CREATE ROLE IF NOT EXISTS carga_service WITH LOGIN = true AND PASSWORD = 'carga-pw';/)
    assert.doesNotMatch(cql, /carga_service WITH (SUPERUSER|[^;]*SUPERUSER = true)/)
    assert.deepEqual([...cql.matchAll(/GRANT (\w+) ON ([^;]+) TO carga_service;/g)].map(m => `${m[1]} ${m[2]}`), ['SELECT KEYSPACE my_keyspace', 'MODIFY KEYSPACE my_keyspace'])
    // A second run logs in as ripple at once and makes no superuser again.
    rmSync(`${log}.cql`)
    execFileSync('bash', [join(deployDir, 'compose', 'cassandra', 'init.sh')], { env, stdio: 'pipe' })
    assert.doesNotMatch(readFileSync(`${log}.cql`, 'utf8'), /CREATE ROLE IF NOT EXISTS ripple/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

/** ClickHouse's users of a users.d file: name → its XML body. */
function clickhouseUsers (xml: string): Map<string, string> {
  const users = /<users>([\s\S]*)<\/users>/.exec(xml)?.[1] ?? ''
  return new Map([...users.matchAll(/^ {8}<([a-z_]+)>([\s\S]*?)^ {8}<\/\1>/gm)].map(m => [m[1]!, m[2]!]))
}

test('ClickHouse: no user without a password (each from the container\'s environment), the reader read-only, both limited to the job pipeline\'s database', () => {
  const xml = readFileSync(join(deployDir, 'compose', 'clickhouse', 'users.xml'), 'utf8')
  assert.equal((named('ConfigMap', 'clickhouse-config')!.data as Record<string, string>)['ripple-users.xml'], xml, 'the same users on Kubernetes')
  const users = clickhouseUsers(xml)
  assert.deepEqual([...users.keys()].sort(), ['default', 'reader'])
  const composeEnv = services.clickhouse!.environment!
  const k8sEnv = containerOf(named('StatefulSet', 'clickhouse')!).env ?? []
  for (const [name, body] of users) {
    const variable = /<password from_env="([A-Z0-9_]+)"\/>/.exec(body)?.[1]
    assert.ok(variable, `${name} has a password`)
    assert.doesNotMatch(body, /<password>\s*<\/password>|<no_password/, `${name}'s password is not empty`)
    assert.match(composeEnv[variable]!, new RegExp(`^\\$\\{${variable}:\\?`), `Compose gives ClickHouse ${variable}`)
    assert.equal(k8sEnv.find(e => e.name === variable)?.valueFrom?.secretKeyRef?.key, variable, `Kubernetes gives ClickHouse ${variable}`)
    assert.match(body, /<allow_databases>\s*<database>default<\/database>\s*<\/allow_databases>/, `${name} works in the default database only`)
  }
  assert.match(users.get('reader')!, /<profile>readonly<\/profile>/)
  assert.match(xml, /<readonly>\s*<readonly>1<\/readonly>\s*<\/readonly>/, 'profile readonly is read-only')
  // The schema job writes as default; the console reads as reader.
  assert.equal(services['clickhouse-schema']!.environment!.CLICKHOUSE_USER, 'default')
  assert.match(services['clickhouse-schema']!.environment!.CLICKHOUSE_PASSWORD!, /^\$\{RIPPLE_CLICKHOUSE_DEFAULT_PASSWORD:\?/)
  assert.equal(containerOf(named('Job', 'clickhouse-schema')!).env?.find(e => e.name === 'CLICKHOUSE_PASSWORD')?.valueFrom?.secretKeyRef?.key, 'RIPPLE_CLICKHOUSE_DEFAULT_PASSWORD')
  assert.match(services.console!.environment!.RIPPLE_CLICKHOUSE_READER_PASSWORD!, /^\$\{RIPPLE_CLICKHOUSE_READER_PASSWORD:\?/)
  assert.doesNotMatch(services.clickhouse!.healthcheck!.test.join(' '), /clickhouse-client/, 'no health check through a login-less client')
})

test('the console reads through accounts of its own, never an admin or superuser one, in both deployments; its operator key is a secret', () => {
  const own = ['RIPPLE_MARIADB_CONSOLE_PASSWORD', 'RIPPLE_POSTGRES_CONSOLE_PASSWORD', 'RIPPLE_CLICKHOUSE_READER_PASSWORD', 'RIPPLE_CONNECT_CONSOLE_PASSWORD', 'RIPPLE_KAFKA_CONSOLE_PASSWORD', 'RIPPLE_OPERATOR_KEY']
  const compose = services.console!.environment!
  const k8s = containerOf(named('Deployment', 'console')!).env ?? []
  const composeSecrets = Object.entries(compose).filter(([, v]) => /^\$\{[A-Z0-9_]+:\?/.test(v)).map(([k]) => k).sort()
  const k8sSecrets = k8s.filter(e => e.valueFrom?.secretKeyRef).map(e => e.name).sort()
  assert.deepEqual(composeSecrets, [...own].sort(), 'Compose gives the console these secrets and no other')
  assert.deepEqual(k8sSecrets, [...own].sort(), 'Kubernetes gives the console these secrets and no other')
  for (const name of own) assert.equal(k8s.find(e => e.name === name)?.valueFrom?.secretKeyRef?.key, name)
  assert.equal(compose.RIPPLE_KAFKA_PRINCIPAL, 'console')
  assert.equal(k8s.find(e => e.name === 'RIPPLE_KAFKA_PRINCIPAL')?.value, 'console')
})

test('the console\'s database accounts are read-only: made without a right, then SELECT on the columns its pages read and nothing else', () => {
  const mariadb = readFileSync(join(deployDir, 'compose', 'mariadb', 'init.sh'), 'utf8')
  const postgres = readFileSync(join(deployDir, 'compose', 'postgres', 'init.sh'), 'utf8')
  assert.match(mariadb, /CREATE USER IF NOT EXISTS 'console'@'%' IDENTIFIED BY '\$\{RIPPLE_MARIADB_CONSOLE_PASSWORD\}';/)
  assert.doesNotMatch(mariadb, /GRANT [^;]* TO 'console'/, 'the init script grants the console nothing')
  assert.match(postgres, /CREATE ROLE "console" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '\$\{RIPPLE_POSTGRES_CONSOLE_PASSWORD\}';/)
  assert.doesNotMatch(postgres, /GRANT [^;]* TO "console"/)
  const grants = JSON.parse(readFileSync(join(deployDir, 'compose', 'console', 'grants.json'), 'utf8')) as { mariadb: string[], postgres: { database: string, statements: string[] }[] }
  assert.deepEqual(JSON.parse((named('ConfigMap', 'console-grants')!.data as Record<string, string>)['grants.json']!), grants, 'the same grants on Kubernetes')
  const reads = consoleReads(config)
  const [revoke, ...mariadbGrants] = grants.mariadb
  assert.equal(revoke, 'REVOKE ALL PRIVILEGES, GRANT OPTION FROM \'console\'@\'%\'')
  assert.deepEqual(mariadbGrants.map(g => /^GRANT SELECT \(([^)]+)\) ON `(\w+)`\.`(\w+)` TO 'console'@'%'$/.exec(g)?.slice(1).join('|')),
    reads.filter(r => r.engine === 'mariadb').map(r => `${r.columns.map(c => `\`${c}\``).join(', ')}|${r.database}|${r.table}`))
  const statements = grants.postgres.flatMap(g => g.statements)
  for (const s of statements) assert.match(s, /^(GRANT CONNECT ON DATABASE "\w+"|GRANT USAGE ON SCHEMA public|REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "console"|GRANT SELECT \([^)]+\) ON TABLE public\."\w+")( TO "console")?$/, s)
  assert.equal(statements.filter(s => s.startsWith('GRANT SELECT')).length, reads.filter(r => r.engine === 'postgres').length)
  assert.ok(![...mariadbGrants, ...statements].some(s => /\bpassword\b/i.test(s)), 'never a password column')
  // The job that gives them runs as the admin accounts, once every service made its tables.
  const job = services['console-grants']!
  assert.equal(job.environment!.RIPPLE_PROCESS, 'console-grants')
  for (const s of config.services) assert.equal(job.depends_on?.[s.name]?.condition, 'service_healthy')
  assert.equal(services.console!.depends_on?.['console-grants']?.condition, 'service_completed_successfully')
  assert.ok(existsSync(join(deployDir, 'src', 'console-grants.main.ts')))
  assert.equal(containerOf(named('Job', 'console-grants')!).env?.find(e => e.name === 'MARIADB_PASSWORD')?.valueFrom?.secretKeyRef?.key, 'RIPPLE_MARIADB_PASSWORD')
})

interface PodSpec { securityContext?: { runAsNonRoot?: boolean, runAsUser?: number }, containers: { name: string, image: string, securityContext?: { allowPrivilegeEscalation?: boolean, capabilities?: { drop?: string[] }, readOnlyRootFilesystem?: boolean }, volumeMounts?: { name: string, mountPath: string }[] }[], volumes?: { name: string, emptyDir?: unknown }[] }

test('Kubernetes: every pod runs as a non-root user, every container without privilege escalation or capabilities, read-only where its image allows', () => {
  const workloads = [...ofKind('Deployment'), ...ofKind('StatefulSet'), ...ofKind('Job')]
  assert.ok(workloads.length > 15)
  for (const w of workloads) {
    const pod = (w.spec as { template: { spec: PodSpec } }).template.spec
    assert.equal(pod.securityContext?.runAsNonRoot, true, `${w.kind} ${w.metadata.name}: runAsNonRoot`)
    assert.ok((pod.securityContext?.runAsUser ?? 0) > 0, `${w.kind} ${w.metadata.name}: runAsUser is not root`)
    for (const c of pod.containers) {
      assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${w.metadata.name}/${c.name}: no privilege escalation`)
      assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL'], `${w.metadata.name}/${c.name}: drops every capability`)
      if (/^ripple:|^haproxy:|^prom\/prometheus:/.test(c.image)) {
        assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${w.metadata.name}/${c.name}: read-only root`)
        assert.ok(c.volumeMounts?.some(m => m.mountPath === '/tmp') && pod.volumes?.some(v => v.name === 'tmp' && v.emptyDir), `${w.metadata.name}: /tmp of its own`)
      }
    }
  }
})

test('Strimzi\'s pods (Kafka nodes, entity operator, Connect workers) run as its non-root user, read-only, without escalation or capabilities', () => {
  const pool = ofKind('KafkaNodePool')[0]!.spec as { template: { pod: { securityContext: Record<string, unknown> }, kafkaContainer: { securityContext: Record<string, unknown> } } }
  const kafka = ofKind('Kafka')[0]!.spec as { entityOperator: { template: { pod: { securityContext: Record<string, unknown> }, topicOperatorContainer: { securityContext: Record<string, unknown> }, userOperatorContainer: { securityContext: Record<string, unknown> } } } }
  const connect = ofKind('KafkaConnect')[0]!.spec as { template: { pod: { securityContext: Record<string, unknown> }, connectContainer: { securityContext: Record<string, unknown> } } }
  const pods = [pool.template.pod, kafka.entityOperator.template.pod, connect.template.pod]
  const containers = [pool.template.kafkaContainer, kafka.entityOperator.template.topicOperatorContainer, kafka.entityOperator.template.userOperatorContainer, connect.template.connectContainer]
  for (const p of pods) assert.deepEqual({ runAsNonRoot: p.securityContext.runAsNonRoot, runAsUser: p.securityContext.runAsUser }, { runAsNonRoot: true, runAsUser: 1001 })
  for (const c of containers) assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true })
})

test('Compose: every container runs as its image\'s non-root user, with no capability and no new privileges; Ripple\'s own read-only', () => {
  for (const [name, s] of Object.entries(composeDocument().services as Record<string, { image: string, user?: string, cap_drop?: string[], security_opt?: string[], read_only?: boolean, tmpfs?: string[] }>)) {
    assert.match(s.user ?? '', /^[1-9]\d*:\d+$/, `${name} runs as a numeric non-root user`)
    assert.deepEqual(s.cap_drop, ['ALL'], `${name} drops every capability`)
    assert.deepEqual(s.security_opt, ['no-new-privileges:true'], `${name} gains no privilege`)
    if (s.image.startsWith('ripple:')) {
      assert.equal(s.user, '1000:1000', `${name} runs as node`)
      assert.equal(s.read_only, true, `${name} has a read-only root`)
      assert.deepEqual(s.tmpfs, ['/tmp'])
    }
  }
  // The image itself: the Node processes run as `node`, whatever runs them.
  const dockerfile = readFileSync(join(deployDir, 'Dockerfile'), 'utf8').split('\n').filter(l => /^(USER|CMD|FROM)\b/.test(l))
  assert.deepEqual(dockerfile.slice(-2), ['USER node', 'CMD ["node", "--disable-warning=ExperimentalWarning", "deploy/src/process.main.ts"]'])
  assert.deepEqual(readFileSync(join(deployDir, 'connect', 'Dockerfile'), 'utf8').trim().split('\n').slice(-1), ['USER appuser'], 'Connect\'s image ends as appuser')
})

test('no secret is in a process\'s arguments: commands, args and health checks name variables for their shell, never a secret Compose or Kubernetes fills in', () => {
  // Compose fills ${VAR} in; "$$VAR" reaches the container's shell, which a builtin (printf) hands on without an argument.
  for (const [name, s] of Object.entries(composeDocument().services as Record<string, { command?: string[], entrypoint?: string[], healthcheck?: { test: string[] } }>)) {
    for (const arg of [...s.command ?? [], ...s.entrypoint ?? [], ...s.healthcheck?.test ?? []]) {
      assert.doesNotMatch(arg, /(^|[^$])\$\{[A-Z0-9_]+/, `${name}: ${arg.slice(0, 60)}… names no secret Compose fills in`)
    }
  }
  // Kubernetes fills $(VAR) in commands and args from the container's environment, secrets included.
  for (const w of [...ofKind('Deployment'), ...ofKind('StatefulSet'), ...ofKind('Job')]) {
    for (const c of (w.spec as { template: { spec: { containers: { command?: string[], args?: string[] }[] } } }).template.spec.containers) {
      for (const arg of [...c.command ?? [], ...c.args ?? []]) assert.doesNotMatch(arg, /\$\([A-Z0-9_]+\)/, `${w.metadata.name}: ${arg}`)
    }
  }
  // Nor do the init scripts hand one to a client's arguments: they write 0600 option files with a builtin.
  for (const script of ['mariadb', 'postgres', 'cassandra']) {
    const text = readFileSync(join(deployDir, 'compose', script, 'init.sh'), 'utf8')
    assert.doesNotMatch(text, /\s-p\s*"?\$|--password[= ]|\s-p\s+\S/, `${script}/init.sh passes no password as an argument`)
  }
  // The image is built without them.
  const ignored = readFileSync(join(deployDir, 'Dockerfile.dockerignore'), 'utf8').split('\n')
  for (const path of ['deploy/compose/.env', 'deploy/compose/secrets', 'deploy/k8s/secrets']) assert.ok(ignored.includes(path), `${path} stays out of the image`)
  const gitignore = readFileSync(join(deployDir, '..', '.gitignore'), 'utf8').split('\n')
  for (const path of ['deploy/compose/.env', 'deploy/compose/secrets/', 'deploy/k8s/secrets/']) assert.ok(gitignore.includes(path), `${path} is never committed`)
})
