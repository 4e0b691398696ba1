import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pRetry, { AbortError } from 'p-retry'
import type { ConnectTarget, StackConfig } from './config.ts'
import { ACCOUNTS, CONNECT_ACCOUNTS, endpoints } from './config.ts'
import { StackError } from './errors.ts'

export interface ConnectorDefinition {
  name: string
  config: Record<string, string>
}

export interface ConnectorState {
  name: string
  state: string
  tasks: { id: number, state: string, trace?: string }[]
  type?: string
}

/** One call of Kafka Connect's REST API, with the target's credentials; `path` starts with "/". */
export async function connectFetch (connect: ConnectTarget, path: string, init: RequestInit = {}, timeoutMs = 30_000): Promise<Response> {
  const url = `${connect.url}${path}`
  let res: Response
  try {
    res = await fetch(url, {
      ...init,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(connect.authorization ? { authorization: connect.authorization } : {}) },
      signal: AbortSignal.timeout(timeoutMs)
    })
  } catch (err) {
    throw new StackError('CONNECT_DOWN', `Kafka Connect does not answer at ${url} (${(err as Error).message}): start the stack with ./ripple up.`, { canRetry: true })
  }
  if (res.status === 401) {
    throw new StackError('CONNECT_UNAUTHORIZED', `Kafka Connect refused this account's credentials at ${url} (HTTP 401): run ./ripple up, which writes its accounts (RIPPLE_HOME/conf/connect-credentials.properties), then try again.`)
  }
  return res
}

/** Kafka Connect's REST API credentials file (PropertyFileLoginModule: one `user=password` per line, 0600). */
export function connectCredentialsFile (config: StackConfig): string {
  return join(config.paths.conf, 'connect-credentials.properties')
}

/** The JAAS file the workers' JVM is given by -Djava.security.auth.login.config (0600: it names the credentials file). */
export function connectJaasFile (config: StackConfig): string {
  return join(config.paths.conf, 'connect-jaas.conf')
}

/**
 * Writes the REST API's accounts and the JAAS section `KafkaConnect` that Kafka's
 * BasicAuthSecurityRestExtension logs callers in with. Both 0600: only the stack's OS user,
 * which runs Connect, reads them.
 */
export function writeConnectRestAuth (config: StackConfig): void {
  mkdirSync(config.paths.conf, { recursive: true })
  const credentials = connectCredentialsFile(config)
  const accounts = Object.entries(CONNECT_ACCOUNTS).map(([key, user]) => `${user}=${propertyValue(config.secrets.connect[key as keyof typeof CONNECT_ACCOUNTS])}`)
  writePrivate(credentials, '# Written by ./ripple up: Kafka Connect REST API accounts (HTTP Basic).\n' + accounts.join('\n') + '\n')
  writePrivate(connectJaasFile(config), [
    'KafkaConnect {',
    `  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file=${JSON.stringify(credentials)};`,
    '};',
    ''
  ].join('\n'))
}

function writePrivate (file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 })
  chmodSync(file, 0o600)
}

/** The properties file Kafka Connect's FileConfigProvider reads the connectors' passwords from (0600, under RIPPLE_HOME/conf). */
export function connectSecretsFile (config: StackConfig): string {
  return join(config.paths.conf, 'connect-secrets.properties')
}

/**
 * The accounts of seed 002's connectors: Debezium's PostgreSQL role (REPLICATION, and SELECT on
 * carga.tabela), named like its MariaDB account, and the JDBC sink's MariaDB account (carga.tabela
 * only), named like its PostgreSQL role. Their passwords are derived like every database
 * account's (stack/src/secrets.ts), RIPPLE_POSTGRES_CDC_PASSWORD and
 * RIPPLE_MARIADB_JDBC_SINK_PASSWORD override them.
 */
export function cargaConnectorAccounts (config: StackConfig) {
  return {
    postgresCdc: { user: ACCOUNTS.mariadbCdc, password: config.secrets.postgresCdcPassword },
    mariadbSink: { user: ACCOUNTS.jdbcSink, password: config.secrets.mariadbJdbcSinkPassword }
  }
}

/** The passwords connectors name by key, as `${file:<connect secrets file>:<key>}`. */
export function connectSecrets (config: StackConfig): Record<string, string> {
  const carga = cargaConnectorAccounts(config)
  return {
    [`mariadb.${ACCOUNTS.mariadbCdc}.password`]: config.secrets.mariadbCdcPassword,
    [`postgres.${ACCOUNTS.jdbcSink}.password`]: config.secrets.jdbcSinkPassword,
    [`postgres.${carga.postgresCdc.user}.password`]: carga.postgresCdc.password,
    [`mariadb.${carga.mariadbSink.user}.password`]: carga.mariadbSink.password
  }
}

/** A Java properties value: backslashes and line breaks escaped, anything beyond ASCII as \uXXXX. */
const propertyValue = (v: string): string => v.replace(/^ /, '\\ ').replace(/[\\\n\r\t\f]|[^\x20-\x7e]/g, c => {
  const named: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\f': '\\f' }
  return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
})

/** Writes the file only its owner (the stack's OS user, which runs Connect) may read. */
export function writeConnectSecrets (config: StackConfig): string {
  const file = connectSecretsFile(config)
  mkdirSync(config.paths.conf, { recursive: true })
  const text = '# Written by ./ripple up: passwords Kafka Connect resolves through FileConfigProvider.\n' +
    Object.entries(connectSecrets(config)).map(([k, v]) => `${k}=${propertyValue(v)}`).join('\n') + '\n'
  writePrivate(file, text)
  return file
}

/**
 * Values a connector file may name as ${VAR}: the stack's own settings, so moved ports follow.
 * No password is among them: a connector names one as `${file:${RIPPLE_CONNECT_SECRETS}:<key>}`,
 * which Kafka Connect resolves when it starts the task, so its REST API shows the reference only.
 */
export function placeholders (config: StackConfig): Record<string, string> {
  return {
    RIPPLE_HOST: config.host,
    // Hosts of their own: in a container deployment each database has its own name (deploy/).
    RIPPLE_MARIADB_HOST: config.host,
    RIPPLE_POSTGRES_HOST: config.host,
    RIPPLE_KAFKA_BOOTSTRAP: endpoints(config).kafkaBrokers.join(','),
    // Topics a connector creates (its own, Debezium's, a dead-letter topic) replicate like the stack's others.
    RIPPLE_KAFKA_REPLICATION_FACTOR: String(config.kafka.replicationFactor),
    RIPPLE_MARIADB_PORT: String(config.ports.mariadb),
    RIPPLE_POSTGRES_PORT: String(config.ports.postgres),
    RIPPLE_CONNECT_SECRETS: connectSecretsFile(config)
  }
}

export function resolvePlaceholders (definition: ConnectorDefinition, values: Record<string, string>): ConnectorDefinition {
  const config = Object.fromEntries(Object.entries(definition.config).map(([k, v]) => [k, String(v).replace(/\$\{([A-Z0-9_]+)\}/g, (_whole, name: string) => {
    const value = values[name]
    if (value === undefined) throw new StackError('CONNECTOR_PLACEHOLDER', `Connector ${definition.name} names \${${name}} in ${k}, which the stack does not define: use one of ${Object.keys(values).join(', ')}.`)
    return value
  })]))
  return { name: definition.name, config }
}

/** Every connectors/*.json, placeholders filled in. */
export function loadConnectorFiles (config: StackConfig): ConnectorDefinition[] {
  const dir = join(config.repoRoot, 'connectors')
  if (!existsSync(dir)) return []
  const values = placeholders(config)
  return readdirSync(dir).filter(f => f.endsWith('.json')).sort().map(f => {
    const parsed = JSON.parse(readFileSync(join(dir, f), 'utf8')) as ConnectorDefinition
    if (typeof parsed.name !== 'string' || typeof parsed.config !== 'object') {
      throw new StackError('CONNECTOR_FILE', `connectors/${f} must be {"name": ..., "config": {...}}.`)
    }
    return resolvePlaceholders(parsed, values)
  })
}

/** PUT /connectors/<name>/config creates or updates: applying the same file twice changes nothing. */
export async function applyConnector (connect: ConnectTarget, definition: ConnectorDefinition): Promise<void> {
  const res = await connectFetch(connect, `/connectors/${encodeURIComponent(definition.name)}/config`, { method: 'PUT', body: JSON.stringify(definition.config) })
  if (!res.ok) {
    const body = await res.json().catch(() => ({})) as { message?: string }
    throw new StackError('CONNECTOR_REJECTED', `Kafka Connect rejected connector ${definition.name} (HTTP ${res.status}): ${body.message ?? 'no reason given'}`)
  }
}

export async function connectorState (connect: ConnectTarget, name: string): Promise<ConnectorState | undefined> {
  const res = await connectFetch(connect, `/connectors/${encodeURIComponent(name)}/status`)
  if (res.status === 404) return undefined
  const body = await res.json() as { name: string, type?: string, connector: { state: string, trace?: string }, tasks: { id: number, state: string, trace?: string }[] }
  return { name: body.name, type: body.type, state: body.connector.state, tasks: body.tasks.map(t => ({ id: t.id, state: t.state, ...(t.trace ? { trace: t.trace } : {}) })) }
}

export async function listConnectorStates (connect: ConnectTarget): Promise<ConnectorState[]> {
  const names = await (await connectFetch(connect, '/connectors')).json() as string[]
  const states = await Promise.all(names.sort().map(n => connectorState(connect, n)))
  return states.filter((s): s is ConnectorState => s !== undefined)
}

/**
 * Restarts a connector's failed instance and failed tasks (Connect 3.0+, KIP-745). A task that
 * failed stays FAILED through a PUT of a fixed config and through the database coming back, so
 * `./ripple up` asks once before it waits; a running connector is left alone. A source whose place
 * in the log is gone is not restarted: it would run a few seconds and fail again on the same error,
 * so `up` stops at once and names the way out.
 */
export async function restartIfFailed (connect: ConnectTarget, name: string): Promise<boolean> {
  const state = await connectorState(connect, name)
  if (!state || (state.state !== 'FAILED' && !state.tasks.some(t => t.state === 'FAILED'))) return false
  const lost = state.tasks.find(t => t.state === 'FAILED' && sourcePositionLost(t.trace))
  if (lost) throw positionLost(name, lost.trace)
  const res = await connectFetch(connect, `/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=true`, { method: 'POST' })
  if (!res.ok && res.status !== 404) throw new StackError('CONNECTOR_RESTART', `Kafka Connect could not restart connector ${name} (HTTP ${res.status}): see ./ripple logs connect.`)
  return true
}

export interface WaitForConnectorOptions {
  /**
   * How long a FAILED state is still taken for one being restarted. Connect answers a restart
   * with 202 at once and writes RESTARTING to its status topic later, so right after a restart
   * the status read can still be the failure that caused it.
   */
  failedGraceMs?: number
}

/** Waits until the connector and every task run; a FAILED task stops the wait with its trace. */
export async function waitForConnector (connect: ConnectTarget, name: string, timeoutMs = 60_000, options: WaitForConnectorOptions = {}): Promise<ConnectorState> {
  const graceEnds = performance.now() + (options.failedGraceMs ?? 0)
  return pRetry(async () => {
    const state = await connectorState(connect, name)
    const failed = state?.tasks.find(t => t.state === 'FAILED')
    if ((state?.state === 'FAILED' || failed) && performance.now() >= graceEnds) {
      const trace = (failed?.trace ?? '').split('\n').slice(0, 3).join(' ')
      if (sourcePositionLost(failed?.trace)) throw new AbortError(positionLost(name, failed?.trace))
      throw new AbortError(new StackError('CONNECTOR_FAILED', `Connector ${name} failed: ${trace || 'see ./ripple logs connect'}. Fix its config in connectors/${name}.json and run ./ripple up again.`))
    }
    if (state?.state !== 'RUNNING' || state.tasks.length === 0 || state.tasks.some(t => t.state !== 'RUNNING')) {
      throw new Error(`connector ${name} is ${state?.state ?? 'not registered'} with tasks ${state?.tasks.map(t => t.state).join(',') || 'none'}`)
    }
    return state
  }, { retries: Number.POSITIVE_INFINITY, minTimeout: 250, maxTimeout: 1000, maxRetryTime: timeoutMs }).catch((err: unknown) => {
    if (err instanceof StackError) throw err
    throw new StackError('CONNECTOR_TIMEOUT', `Connector ${name} did not reach RUNNING within ${timeoutMs / 1000} s (${(err as Error).message}): see ./ripple logs connect.`, { canRetry: true })
  })
}

export async function deleteConnector (connect: ConnectTarget, name: string): Promise<void> {
  const res = await connectFetch(connect, `/connectors/${encodeURIComponent(name)}`, { method: 'DELETE' })
  if (!res.ok && res.status !== 404) throw new StackError('CONNECTOR_DELETE', `Kafka Connect could not delete connector ${name} (HTTP ${res.status}).`)
}

/** What `up` says of a source whose place in the log is gone: the cause, and the command that brings it back. */
function positionLost (name: string, trace: string | undefined): StackError {
  const cause = (trace ?? '').split('\n').slice(0, 3).join(' ')
  return new StackError('SOURCE_POSITION_LOST', `Connector ${name} lost its place in the source database's log (${cause}). ./ripple kafka connector resnapshot ${name} forgets its offsets and reads the tables again; changes made meanwhile arrive as the rows' current state, and consumers' inboxes absorb what they already had.`)
}

/**
 * A source connector whose position is gone from the database: MariaDB purged the binlog file it
 * was reading (Debezium: "…is no longer available on the server", or by GTID, MariaDB's error 1236
 * "Could not find GTID state requested by slave…purged"), or PostgreSQL lost its slot or WAL.
 */
export function sourcePositionLost (trace: string | undefined): boolean {
  return /no longer available on the server|required binlog files have been purged|Could not find GTID state requested|replication slot "[^"]+" does not exist|requested WAL segment .* has already been removed/i.test(trace ?? '')
}

/**
 * `resnapshot` stops the connector, deletes its source offsets (Connect's KIP-875 API) and resumes
 * it: with no offsets, Debezium snapshots its tables again (`snapshot.mode` initial) and streams
 * from the log's current end. The way out when its position in the log is gone.
 */
export type ConnectorAction = 'restart' | 'pause' | 'resume' | 'resnapshot'

async function resnapshot (connect: ConnectTarget, name: string): Promise<void> {
  const path = `/connectors/${encodeURIComponent(name)}`
  const stop = await connectFetch(connect, `${path}/stop`, { method: 'PUT' })
  if (!stop.ok) throw new StackError('CONNECTOR_CONTROL', `Kafka Connect could not stop connector ${name} (HTTP ${stop.status}): see ./ripple logs connect.`)
  // Offsets may be deleted only once the connector is STOPPED.
  await pRetry(async () => {
    const state = await connectorState(connect, name)
    if (state?.state !== 'STOPPED') throw new Error(`connector ${name} is ${state?.state ?? 'gone'}`)
  }, { retries: Number.POSITIVE_INFINITY, minTimeout: 250, maxTimeout: 1000, maxRetryTime: 60_000 })
  const reset = await connectFetch(connect, `${path}/offsets`, { method: 'DELETE' })
  if (!reset.ok) throw new StackError('CONNECTOR_CONTROL', `Kafka Connect could not delete connector ${name}'s offsets (HTTP ${reset.status}: ${await reset.text()}).`)
  const resume = await connectFetch(connect, `${path}/resume`, { method: 'PUT' })
  if (!resume.ok) throw new StackError('CONNECTOR_CONTROL', `Kafka Connect could not resume connector ${name} (HTTP ${resume.status}): see ./ripple logs connect.`)
}

/** Restart (the connector and all its tasks), pause or resume, through Connect's REST API; an unknown name is an error naming the known ones. */
export async function controlConnector (connect: ConnectTarget, name: string, action: ConnectorAction): Promise<ConnectorState | undefined> {
  const path = `/connectors/${encodeURIComponent(name)}`
  if (action === 'resnapshot') {
    if (!await connectorState(connect, name)) await unknownConnector(connect, name)
    await resnapshot(connect, name)
    return await connectorState(connect, name)
  }
  const res = action === 'restart'
    ? await connectFetch(connect, `${path}/restart?includeTasks=true&onlyFailed=false`, { method: 'POST' })
    : await connectFetch(connect, `${path}/${action}`, { method: 'PUT' })
  if (res.status === 404) await unknownConnector(connect, name)
  if (!res.ok) throw new StackError('CONNECTOR_CONTROL', `Kafka Connect could not ${action} connector ${name} (HTTP ${res.status}): see ./ripple logs connect.`)
  return await connectorState(connect, name)
}

async function unknownConnector (connect: ConnectTarget, name: string): Promise<never> {
  const names = await (await connectFetch(connect, '/connectors')).json() as string[]
  throw new StackError('UNKNOWN_CONNECTOR', `There is no connector "${name}": name one of ${names.sort().join(', ') || '(none registered)'}.`)
}
