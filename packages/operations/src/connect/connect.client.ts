// Kafka Connect's REST API: the calls the CLI, the console, `./ripple up` and deploy/ make.
import pRetry, { AbortError } from 'p-retry'
import { OperationError } from '../errors.ts'

/** Where Kafka Connect's REST API is and the HTTP Basic credentials of one of its accounts. */
export interface ConnectTarget {
  readonly url: string
  /** The Authorization header's value; undefined only where Connect runs without authentication (deploy/). */
  readonly authorization: string | undefined
}

/** A connector's name and config, as a file in connectors/ holds it. */
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
    throw new OperationError('CONNECT_DOWN', `Kafka Connect does not answer at ${url} (${(err as Error).message}): start the stack with ./ripple up.`, { canRetry: true })
  }
  if (res.status === 401) {
    throw new OperationError('CONNECT_UNAUTHORIZED', `Kafka Connect refused this account's credentials at ${url} (HTTP 401): run ./ripple up, which writes its accounts (RIPPLE_HOME/conf/connect-credentials.properties), then try again.`)
  }
  return res
}

/** PUT /connectors/<name>/config creates or updates: applying the same file twice changes nothing. */
export async function applyConnector (connect: ConnectTarget, definition: ConnectorDefinition): Promise<void> {
  const res = await connectFetch(connect, `/connectors/${encodeURIComponent(definition.name)}/config`, { method: 'PUT', body: JSON.stringify(definition.config) })
  if (!res.ok) {
    const body = await res.json().catch(() => ({})) as { message?: string }
    throw new OperationError('CONNECTOR_REJECTED', `Kafka Connect rejected connector ${definition.name} (HTTP ${res.status}): ${body.message ?? 'no reason given'}`)
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
  if (!res.ok && res.status !== 404) throw new OperationError('CONNECTOR_RESTART', `Kafka Connect could not restart connector ${name} (HTTP ${res.status}): see ./ripple logs connect.`)
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
      throw new AbortError(new OperationError('CONNECTOR_FAILED', `Connector ${name} failed: ${trace || 'see ./ripple logs connect'}. Fix its config in connectors/${name}.json and run ./ripple up again.`))
    }
    if (state?.state !== 'RUNNING' || state.tasks.length === 0 || state.tasks.some(t => t.state !== 'RUNNING')) {
      throw new Error(`connector ${name} is ${state?.state ?? 'not registered'} with tasks ${state?.tasks.map(t => t.state).join(',') || 'none'}`)
    }
    return state
  }, { retries: Number.POSITIVE_INFINITY, minTimeout: 250, maxTimeout: 1000, maxRetryTime: timeoutMs }).catch((err: unknown) => {
    if (err instanceof OperationError) throw err
    throw new OperationError('CONNECTOR_TIMEOUT', `Connector ${name} did not reach RUNNING within ${timeoutMs / 1000} s (${(err as Error).message}): see ./ripple logs connect.`, { canRetry: true })
  })
}

export async function deleteConnector (connect: ConnectTarget, name: string): Promise<void> {
  const res = await connectFetch(connect, `/connectors/${encodeURIComponent(name)}`, { method: 'DELETE' })
  if (!res.ok && res.status !== 404) throw new OperationError('CONNECTOR_DELETE', `Kafka Connect could not delete connector ${name} (HTTP ${res.status}).`)
}

/** What `up` says of a source whose place in the log is gone: the cause, and the command that brings it back. */
function positionLost (name: string, trace: string | undefined): OperationError {
  const cause = (trace ?? '').split('\n').slice(0, 3).join(' ')
  return new OperationError('SOURCE_POSITION_LOST', `Connector ${name} lost its place in the source database's log (${cause}). ./ripple kafka connector resnapshot ${name} forgets its offsets and reads the tables again; changes made meanwhile arrive as the rows' current state, and consumers' inboxes absorb what they already had.`)
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
  if (!stop.ok) throw new OperationError('CONNECTOR_CONTROL', `Kafka Connect could not stop connector ${name} (HTTP ${stop.status}): see ./ripple logs connect.`)
  // Offsets may be deleted only once the connector is STOPPED.
  await pRetry(async () => {
    const state = await connectorState(connect, name)
    if (state?.state !== 'STOPPED') throw new Error(`connector ${name} is ${state?.state ?? 'gone'}`)
  }, { retries: Number.POSITIVE_INFINITY, minTimeout: 250, maxTimeout: 1000, maxRetryTime: 60_000 })
  const reset = await connectFetch(connect, `${path}/offsets`, { method: 'DELETE' })
  if (!reset.ok) throw new OperationError('CONNECTOR_CONTROL', `Kafka Connect could not delete connector ${name}'s offsets (HTTP ${reset.status}: ${await reset.text()}).`)
  const resume = await connectFetch(connect, `${path}/resume`, { method: 'PUT' })
  if (!resume.ok) throw new OperationError('CONNECTOR_CONTROL', `Kafka Connect could not resume connector ${name} (HTTP ${resume.status}): see ./ripple logs connect.`)
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
  if (!res.ok) throw new OperationError('CONNECTOR_CONTROL', `Kafka Connect could not ${action} connector ${name} (HTTP ${res.status}): see ./ripple logs connect.`)
  return await connectorState(connect, name)
}

async function unknownConnector (connect: ConnectTarget, name: string): Promise<never> {
  const names = await (await connectFetch(connect, '/connectors')).json() as string[]
  throw new OperationError('UNKNOWN_CONNECTOR', `There is no connector "${name}": name one of ${names.sort().join(', ') || '(none registered)'}.`)
}
