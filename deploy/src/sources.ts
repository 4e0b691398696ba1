import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ACCOUNTS, CASSANDRA_ADMIN, CLICKHOUSE_USERS, CONNECT_ACCOUNTS, KAFKA_PRINCIPALS, loadStackConfig, connectSecrets, passwordVariable, PUBLIC_KEY_NAMES, SECRET_NAMES } from '@ripple/stack'
import type { ServiceDefinition, StackConfig } from '@ripple/stack'
import type { ConnectorDefinition } from '@ripple/operations'

/**
 * What the manifests are generated from: the stack's own definitions, read the way `./ripple up`
 * reads them, so a service, port, account or connector added there reaches both deployments.
 */

/** A secret as the deployments name it: the stack's own override variable, so `.env`, the Secret's keys and `./ripple up` agree. */
const marker = (variable: string): string => `@@${variable}@@`
const MARKER = /^@@([A-Z0-9_]+)@@$/

/** The variable a value stands for, when the value is a secret of the stack (see `deploymentConfig`). */
export function secretVariableOf (value: string): string | undefined {
  return MARKER.exec(value)?.[1]
}

/** Any secret of the stack inside a text: the generator refuses to write such a file. */
export const SECRET_MARKER = /@@[A-Z0-9_]+@@/

// The stack's own accounts' override variables (stack/src/config.ts); services' accounts follow passwordVariable().
const STACK_PASSWORD_VARIABLES = [
  'RIPPLE_MARIADB_PASSWORD',
  'RIPPLE_MARIADB_CDC_PASSWORD',
  'RIPPLE_MARIADB_ROOT_PASSWORD',
  'RIPPLE_MARIADB_JDBC_SINK_PASSWORD',
  'RIPPLE_POSTGRES_PASSWORD',
  'RIPPLE_POSTGRES_JDBC_SINK_PASSWORD',
  'RIPPLE_POSTGRES_CDC_PASSWORD'
] as const

/**
 * The other accounts of the stack, by the variable `databasePasswords` reads (passwordVariable):
 * Cassandra's superuser, ClickHouse's users, Connect's REST accounts, the console's read-only ones.
 */
export const ACCOUNT_PASSWORD_VARIABLES = {
  cassandraAdmin: passwordVariable('cassandra', CASSANDRA_ADMIN),
  clickhouseAdmin: passwordVariable('clickhouse', CLICKHOUSE_USERS.admin),
  clickhouseReader: passwordVariable('clickhouse', CLICKHOUSE_USERS.reader),
  connectCli: passwordVariable('connect', CONNECT_ACCOUNTS.cli),
  connectGateway: passwordVariable('connect', CONNECT_ACCOUNTS.gateway),
  connectConsole: passwordVariable('connect', CONNECT_ACCOUNTS.console),
  consoleMariadb: passwordVariable('mariadb', ACCOUNTS.console),
  consolePostgres: passwordVariable('postgres', ACCOUNTS.console)
} as const

/** A Connect REST account's Authorization header, derived from its password by `generate.ts secrets` (HAProxy and health checks send it as is). */
export const connectAuthorizationVariable = (account: keyof typeof CONNECT_ACCOUNTS): string => `RIPPLE_CONNECT_${account.toUpperCase()}_AUTHORIZATION`

function withHome<T> (work: (home: string) => T): T {
  // A throwaway RIPPLE_HOME: loading the config writes generated secrets there, and the
  // repository's own .ripple (a running stack's) is neither read nor touched.
  const home = mkdtempSync(join(tmpdir(), 'ripple-deploy-'))
  try {
    return work(home)
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

/**
 * The stack's config with every secret replaced by a marker naming its variable. Manifests are
 * built from it, so a secret can only reach them as a reference, never as a value, and a file
 * that still holds a marker is refused.
 */
export function deploymentConfig (): StackConfig {
  return withHome(home => {
    const registry = loadStackConfig({ RIPPLE_HOME: home }).services
    const env: Record<string, string> = { RIPPLE_HOME: home }
    for (const variable of [...STACK_PASSWORD_VARIABLES, ...Object.values(ACCOUNT_PASSWORD_VARIABLES), ...serviceAccountVariables(registry), ...kafkaPasswordVariables(registry)]) env[variable] = marker(variable)
    // Generated secrets must be 32 characters long: the marker is padded with what no value holds.
    // The signing key must be a key: the throwaway home's own is loaded, then replaced by its marker.
    for (const name of SECRET_NAMES) if (name !== 'JWT_PRIVATE_KEY') env[`RIPPLE_${name}`] = marker(`RIPPLE_${name}`).padEnd(32, '@')
    const config = loadStackConfig(env)
    for (const name of SECRET_NAMES) {
      (config.secrets.generated as Record<string, string>)[name] = marker(`RIPPLE_${name}`)
    }
    // The public key is no secret, but it is the deployment's own (derived from its private key), so it travels beside the secrets.
    for (const name of PUBLIC_KEY_NAMES) (config.publicKeys as Record<string, string>)[name] = marker(`RIPPLE_${name}`)
    return config
  })
}

/** Each service's own database account and Cassandra role, by password variable. */
function serviceAccountVariables (services: readonly ServiceDefinition[]): string[] {
  return services.flatMap(s => [
    ...(s.database ? [passwordVariable(s.database.engine, s.database.user)] : []),
    ...(s.cassandra ? [passwordVariable('cassandra', s.cassandra.user)] : [])
  ])
}

export interface SecretVariable {
  readonly variable: string
  readonly what: string
}

/** Every Kafka principal's password variable (RIPPLE_KAFKA_<PRINCIPAL>_PASSWORD): the stack's own principals and one per service. */
export function kafkaPasswordVariables (services: readonly Pick<ServiceDefinition, 'name'>[]): string[] {
  return kafkaPrincipalNames(services).map(p => passwordVariable('kafka', p))
}

/** The Kafka principals of a deployment: the stack's own (admin, Connect, console, CLI, tests, ClickHouse) and one per service. */
export function kafkaPrincipalNames (services: readonly Pick<ServiceDefinition, 'name'>[]): string[] {
  return [...Object.values(KAFKA_PRINCIPALS), ...services.map(s => s.name)]
}

/** Every secret a deployment needs, by the variable that carries it. */
export function secretVariables (config: StackConfig): SecretVariable[] {
  const found: SecretVariable[] = [
    ...SECRET_NAMES.map(name => ({ variable: `RIPPLE_${name}`, what: `the stack's generated ${name}` })),
    ...PUBLIC_KEY_NAMES.map(name => ({ variable: `RIPPLE_${name}`, what: `${name}, derived from RIPPLE_JWT_PRIVATE_KEY (no secret; given to the services that check tokens)` })),
    { variable: 'RIPPLE_OPERATOR_KEY_SHA256', what: 'the operator key\'s SHA-256 in upper-case hex, which the gateway compares' },
    ...STACK_PASSWORD_VARIABLES.map(variable => ({ variable, what: 'a database account of the stack' })),
    ...Object.entries(ACCOUNT_PASSWORD_VARIABLES).map(([account, variable]) => ({ variable, what: `the stack's account ${account}` })),
    ...Object.keys(CONNECT_ACCOUNTS).map(account => ({ variable: connectAuthorizationVariable(account as keyof typeof CONNECT_ACCOUNTS), what: `Connect REST account ${account}'s HTTP Basic Authorization header, derived from its password` })),
    ...config.services.flatMap(s => s.database ? [{ variable: passwordVariable(s.database.engine, s.database.user), what: `${s.name}'s ${s.database.engine} account ${s.database.user}` }] : []),
    ...config.services.flatMap(s => s.cassandra ? [{ variable: passwordVariable('cassandra', s.cassandra.user), what: `${s.name}'s Cassandra role ${s.cassandra.user}` }] : []),
    ...kafkaPrincipalNames(config.services).map(p => ({ variable: passwordVariable('kafka', p), what: `Kafka principal ${p}'s SCRAM-SHA-512 password` }))
  ]
  return found
}

/** Connect's secrets file: each key connectors name, and the variable holding its password. */
export function connectSecretVariables (config: StackConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(connectSecrets(config)).map(([key, value]) => {
    const variable = secretVariableOf(value)
    if (!variable) throw new Error(`Connect secret ${key} is not one of the stack's password variables: add its variable to deploy/src/sources.ts.`)
    return [key, variable]
  }))
}

/** connectors/*.json as written, placeholders still in. */
export function connectorFiles (config: StackConfig): { file: string, definition: ConnectorDefinition }[] {
  const dir = join(config.repoRoot, 'connectors')
  return readdirSync(dir).filter(f => f.endsWith('.json')).sort().map(file => ({
    file,
    definition: JSON.parse(readFileSync(join(dir, file), 'utf8')) as ConnectorDefinition
  }))
}

export interface MavenPlugin {
  readonly groupId: string
  readonly artifactId: string
  readonly version: string
  readonly classifier: string
  /** Maven's type: tar.gz, zip or jar. */
  readonly type: string
  readonly url: string
}

/** Kafka's version and the Debezium plugin archives `./ripple up` fetches through Maven (stack/maven/pom.xml). */
export function mavenArtifacts (config: StackConfig): { kafkaVersion: string, debeziumVersion: string, plugins: MavenPlugin[] } {
  const pom = readFileSync(join(config.repoRoot, 'stack', 'maven', 'pom.xml'), 'utf8')
  const property = (name: string): string => {
    const value = new RegExp(`<${name.replace(/\./g, '\\.')}>([^<]+)</`).exec(pom)?.[1]
    if (!value) throw new Error(`stack/maven/pom.xml has no <${name}>`)
    return value
  }
  const expand = (text: string): string => text.replace(/\$\{([^}]+)\}/g, (_whole, name: string) => property(name))
  const item = /<artifactItem>([\s\S]*?)<\/artifactItem>/g
  const field = (xml: string, name: string): string => expand(new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1] ?? '')
  const plugins = [...pom.matchAll(item)].map(([, xml = '']) => {
    const p = { groupId: field(xml, 'groupId'), artifactId: field(xml, 'artifactId'), version: field(xml, 'version'), classifier: field(xml, 'classifier'), type: field(xml, 'type') || 'jar' }
    const file = `${p.artifactId}-${p.version}${p.classifier ? `-${p.classifier}` : ''}.${p.type}`
    return { ...p, url: `https://repo1.maven.org/maven2/${p.groupId.replace(/\./g, '/')}/${p.artifactId}/${p.version}/${file}` }
  })
  if (plugins.length === 0) throw new Error('stack/maven/pom.xml names no Connect plugin archive')
  return { kafkaVersion: property('kafka.version'), debeziumVersion: property('debezium.version'), plugins }
}

/** Whether a service's package.json depends on a package (e.g. cassandra-driver: it needs the keyspace first). */
export function serviceDependsOn (config: StackConfig, service: ServiceDefinition, dependency: string): boolean {
  const pkg = JSON.parse(readFileSync(join(config.repoRoot, 'services', service.name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }
  return pkg.dependencies?.[dependency] !== undefined
}

/** The repository's npm workspaces' package.json files, for the image's dependency layer. */
export function workspaceManifests (config: StackConfig): string[] {
  const root = JSON.parse(readFileSync(join(config.repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] }
  const found: string[] = []
  for (const pattern of root.workspaces) {
    if (pattern.endsWith('/*')) {
      const dir = pattern.slice(0, -2)
      for (const name of readdirSync(join(config.repoRoot, dir)).sort()) {
        const manifest = `${dir}/${name}/package.json`
        if (existsSync(join(config.repoRoot, manifest))) found.push(manifest)
      }
    } else if (existsSync(join(config.repoRoot, pattern, 'package.json'))) {
      found.push(`${pattern}/package.json`)
    }
  }
  return found
}
