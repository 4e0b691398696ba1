import { existsSync, readFileSync } from 'node:fs'
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import pRetry, { AbortError } from 'p-retry'
import { cassandra } from './components/cassandra.ts'
import { clickhouse } from './components/clickhouse.ts'
import type { Component, Health } from './components/component.ts'
import { connectWorkers } from './components/connect.ts'
import { webConsole } from './components/console.ts'
import { gateway } from './components/gateway.ts'
import { kafkaNodes } from './components/kafka.ts'
import { grantCaptureReads, mariadb } from './components/mariadb.ts'
import { osUserIds } from './components/os-user.ts'
import { postgres } from './components/postgres.ts'
import { tcpProbe } from './components/probes.ts'
import { prometheus } from './components/prometheus.ts'
import { service, serviceDefinitions } from './components/service.ts'
import { smtp } from './components/smtp.ts'
import { webhookReceiver } from './components/webhook-receiver.ts'
import type { StackConfig } from './config.ts'
import { endpoints, KAFKA_NODES_FILE } from './config.ts'
import { loadConnectorFiles } from './connectors.ts'
import { applyConnector, restartIfFailed, waitForConnector } from '@ripple/operations'
import { StackError } from './errors.ts'
import { withConnectorKafkaLogin } from './kafka-auth.ts'
import { ensureBinaries, ensureJars, ensurePortsFree } from './prerequisites.ts'
import type { RunningProcess } from './supervisor.ts'
import { Supervisor } from './supervisor.ts'

export interface ComponentStatus {
  name: string
  pid: number | null
  address: string
  healthy: boolean
  reason?: string
  memoryMb?: number
  /** How often the supervisor started it again after it exited on its own, and how that last run ended. */
  restarts?: number
  lastExit?: string
}

type Log = (line: string) => void

/** The real components every service relies on, in start order (dependencies first); the webhook receiver is where subscribe-service's webhooks can be tried. */
export function infrastructure (config: StackConfig): Component[] {
  return [mariadb(config), postgres(config), smtp(config), webhookReceiver(config), ...kafkaNodes(config), ...connectWorkers(config), clickhouse(config), prometheus(config), cassandra(config)]
}

/** Infrastructure, then Ripple's own services, the gateway and the console: what `status` reports and `down` stops (in reverse). */
export function stackComponents (config: StackConfig): Component[] {
  return [...infrastructure(config), ...serviceDefinitions(config).map(d => service(config, d)), gateway(config), webConsole(config)]
}

function lastLogLines (supervisor: Supervisor, name: string, count = 5): string {
  const file = supervisor.logFile(name)
  if (!existsSync(file)) return ''
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join(' | ')
}

async function waitHealthy (config: StackConfig, supervisor: Supervisor, c: Component, restarted?: string): Promise<void> {
  const deadline = Date.now() + config.startTimeoutMs
  const failIfExited = async () => {
    const p = (await supervisor.list()).find(r => r.name === c.name)
    if (!p?.online) {
      throw new AbortError(new StackError('EXITED', `${c.name} exited while starting: see "./ripple logs ${c.name}" (last lines: ${lastLogLines(supervisor, c.name)}).`))
    }
  }
  // The process must first listen; only then can set-up (users, grants, databases) run, and it is
  // retried because a server that listens may still refuse work ("the database system is starting up").
  const firstPort = c.ports()[0]
  const retryOptions = { retries: Number.POSITIVE_INFINITY, minTimeout: 200, maxTimeout: 1000, factor: 1.3, maxRetryTime: config.startTimeoutMs }
  const afterStart = c.afterStart?.bind(c)
  if (firstPort && afterStart) {
    await pRetry(async () => {
      await failIfExited()
      const up = await tcpProbe(config.host, firstPort.port)
      if (!up.healthy) throw new Error(up.reason)
      await afterStart()
    }, retryOptions).catch((err: unknown) => {
      if (err instanceof StackError) throw err
      throw new StackError('SETUP_FAILED', `${c.name} answers but its set-up failed (${(err as Error).message}): see "./ripple logs ${c.name}".`)
    })
  }
  try {
    await pRetry(async () => {
      await failIfExited()
      const h = await c.health()
      if (!h.healthy) throw new Error(h.reason)
    }, { ...retryOptions, maxRetryTime: Math.max(1000, deadline - Date.now()) })
  } catch (err) {
    if (err instanceof StackError) throw err
    throw new StackError('START_TIMEOUT', `${restarted ?? c.name} did not become healthy within ${config.startTimeoutMs / 1000} s (${(err as Error).message}): see "./ripple logs ${c.name}".`, { canRetry: true })
  }
}

/** How long a running service that answers unhealthy gets to recover by itself before `up` restarts it. */
const UNHEALTHY_GRACE_MS = 10_000

/** The health after waiting up to `ms` for it to turn healthy (a service just restarted by pm2, a consumer rejoining). */
async function settledHealth (c: Component, ms: number): Promise<Health> {
  const deadline = Date.now() + ms
  let h = await c.health()
  while (!h.healthy && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 500))
    h = await c.health()
  }
  return h
}

/** Starts a component that is not running; a running service that stays unhealthy past the grace is restarted. Either way it waits until healthy. */
export async function startOne (config: StackConfig, supervisor: Supervisor, c: Component, running: RunningProcess[], log: Log, unhealthyGraceMs = UNHEALTHY_GRACE_MS): Promise<void> {
  const current = running.find(r => r.name === c.name)
  if (!current?.online) {
    await c.prepare()
    const spec = c.process()
    await supervisor.start(c.name, spec, spec.user ? await osUserIds(spec.user) : undefined)
    log(`started ${c.name}`)
  } else if (c.restartWhenUnhealthy) {
    const h = await settledHealth(c, unhealthyGraceMs)
    if (!h.healthy) {
      log(`restarting ${c.name}: unhealthy (${h.reason ?? 'no reason given'})`)
      await supervisor.restart(c.name)
      await waitHealthy(config, supervisor, c, `${c.name} was restarted because it was unhealthy (${h.reason ?? 'no reason given'}) and`)
      log(`restarted ${c.name}: healthy again`)
      return
    }
  }
  await waitHealthy(config, supervisor, c)
}

/** Starts components concurrently, each once its dependencies are healthy. */
async function startAll (config: StackConfig, supervisor: Supervisor, components: Component[], running: RunningProcess[], log: Log): Promise<void> {
  const started = new Map<string, Promise<void>>()
  for (const c of components) {
    const deps = c.dependsOn.map(d => started.get(d) ?? Promise.resolve())
    started.set(c.name, Promise.all(deps).then(() => startOne(config, supervisor, c, running, log)))
  }
  const results = await Promise.allSettled(started.values())
  const failed = results.find(r => r.status === 'rejected')
  if (failed) throw failed.reason
}

/** Applies every connectors/*.json (a PUT, so unchanged configs change nothing) and waits for RUNNING. */
export async function applyConnectors (config: StackConfig, log: Log): Promise<void> {
  const { connect } = endpoints(config)
  const definitions = loadConnectorFiles(config)
  // Debezium's account reads what its connectors capture, and nothing else; the services have made their tables by now.
  const missing = await grantCaptureReads(config, definitions)
  if (missing.length > 0) log(`no table yet for ${missing.join(', ')}: Debezium's account may not read it until the next ./ripple up`)
  for (const definition of definitions) {
    // The connector's own Kafka clients (schema history) log in as Connect; added here, so the files stay login-free.
    await applyConnector(connect, withConnectorKafkaLogin(config, definition))
    const restarted = await restartIfFailed(connect, definition.name)
    if (restarted) log(`connector ${definition.name} had failed: restarted its failed tasks`)
    await waitForConnector(connect, definition.name, 60_000, { failedGraceMs: restarted ? 15_000 : 0 })
    log(`connector ${definition.name} running`)
  }
}

export interface UpOptions {
  /** Only the real components: no connectors, no services (what the stack's own tests need). */
  infrastructureOnly?: boolean
}

/**
 * Brings everything up, installing what is missing first: the real components, then the
 * services owning captured tables, the connectors, and the services reading their topics.
 * What already runs is only checked, so a second `up` changes nothing.
 */
export async function up (config: StackConfig, log: Log, options: UpOptions = {}): Promise<ComponentStatus[]> {
  await protectStateFolders(config)
  const infra = infrastructure(config)
  const definitions = options.infrastructureOnly ? [] : serviceDefinitions(config)
  const early = definitions.filter(d => !d.afterConnectors).map(d => service(config, d))
  const late = definitions.filter(d => d.afterConnectors).map(d => service(config, d))
  // Last: the gateway routes to the services, the console shows everything else.
  const tooling = options.infrastructureOnly ? [] : [gateway(config), webConsole(config)]
  const components = [...infra, ...early, ...late, ...tooling]
  await ensureBinaries(components, log)
  await ensureJars(config, log)
  const supervisor = new Supervisor(config)
  try {
    const running = await supervisor.list()
    await ensureSameKafkaNodes(config, running)
    await ensurePortsFree(config, components.filter(c => !running.find(r => r.name === c.name)?.online))
    await startAll(config, supervisor, infra, running, log)
    if (!options.infrastructureOnly) {
      await startAll(config, supervisor, early, running, log)
      await applyConnectors(config, log)
      await startAll(config, supervisor, late, running, log)
      await startAll(config, supervisor, tooling, running, log)
    }
    return await statusOf(supervisor, components)
  } finally {
    supervisor.disconnect()
  }
}

/**
 * The stack's state is its owner's: Kafka's logs hold every change event, the mail capture every
 * mail, the logs and conf what a service printed and how it logs in. Files and folders made from
 * now on are 0600/0700 (umask 077, which the supervisor's daemon and every process it starts
 * inherit); what an older install left readable is closed once. data, run and conf stay
 * traversable (0711, never listable) for the components that drop to their own OS user
 * (PostgreSQL, HAProxy) and own their folder or file inside.
 */
export async function protectStateFolders (config: StackConfig): Promise<void> {
  process.umask(0o077)
  const { data, run, conf, logs, pm2 } = config.paths
  for (const dir of [data, run, conf, logs, pm2]) await mkdir(dir, { recursive: true })
  for (const dir of [data, run, conf]) await chmod(dir, 0o711)
  for (const dir of [logs, pm2]) await chmod(dir, 0o700)
  // Only what others may still read or write, and never the three traversable folders themselves: a
  // `chmod -R` of them would close them for a moment, and the components that run under their own
  // accounts (Cassandra stops on one refused open of its hints folder) would lose their data meanwhile.
  // A file a running component deletes during the walk (a rolled Kafka segment, a compacted table) is no error.
  // Read and write only: a folder left traversable on purpose (a Kafka cluster's nodes folder) stays so.
  await execa('find', [data, run, conf, logs, pm2, '-mindepth', '1', '-perm', '/066', '-exec', 'chmod', 'go-rw', '{}', '+'], { reject: false })
}

/**
 * Records the node count `up` starts Kafka with, so later commands without RIPPLE_KAFKA_NODES
 * address the same cluster; a running stack of another size is refused (its nodes' settings and
 * the services' bootstrap lists would disagree).
 */
async function ensureSameKafkaNodes (config: StackConfig, running: RunningProcess[]): Promise<void> {
  const file = join(config.paths.conf, KAFKA_NODES_FILE)
  const wanted = config.kafka.nodes.length
  const recorded = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) || 1 : 1
  if (recorded !== wanted && running.some(r => r.online && /^kafka(-\d+)?$/.test(r.name))) {
    throw new StackError('KAFKA_NODES_CHANGED', `Kafka runs with ${recorded} node${recorded === 1 ? '' : 's'} and ${wanted} were asked for: run ./ripple down first, then RIPPLE_KAFKA_NODES=${wanted} ./ripple up.`)
  }
  await mkdir(config.paths.conf, { recursive: true })
  await writeFile(file, `${wanted}\n`)
}

/** A component's own health probe replaced, e.g. by one that logs in with a read-only account of the asker's. */
export type HealthProbes = Partial<Record<string, () => Promise<Health>>>

async function statusOf (supervisor: Supervisor, components: Component[], probes: HealthProbes = {}): Promise<ComponentStatus[]> {
  const running = await supervisor.list()
  return Promise.all(components.map(async c => {
    const p = running.find(r => r.name === c.name)
    const restarts = p && p.restarts > 0 ? { restarts: p.restarts, ...(p.lastExit ? { lastExit: p.lastExit } : {}) } : {}
    if (p?.crashLooping) return { name: c.name, pid: null, address: c.address(), healthy: false, reason: `crash-looping, not restarted any more (last: ${p.lastExit ?? 'unknown'}): see ./ripple logs ${c.name}, then ./ripple up`, ...restarts }
    if (p?.restarting) return { name: c.name, pid: null, address: c.address(), healthy: false, reason: `exited (${p.lastExit ?? 'unknown'}); the supervisor starts it again`, ...restarts }
    if (!p?.online) return { name: c.name, pid: null, address: c.address(), healthy: false, reason: 'not running (./ripple up starts it)' }
    const h = await (probes[c.name] ?? (() => c.health()))()
    return {
      name: c.name,
      pid: p.pid ?? null,
      address: c.address(),
      healthy: h.healthy,
      ...(h.reason ? { reason: h.reason } : {}),
      ...(p.memoryBytes ? { memoryMb: Math.round(p.memoryBytes / 1048576) } : {}),
      ...restarts
    }
  }))
}

export async function status (config: StackConfig, probes: HealthProbes = {}): Promise<ComponentStatus[]> {
  const supervisor = new Supervisor(config)
  try {
    return await statusOf(supervisor, stackComponents(config), probes)
  } finally {
    supervisor.disconnect()
  }
}

/**
 * Stops the named components (all when none are named), dependents first. `kill` sends SIGKILL
 * instead of a clean shutdown, for tests of what survives a crash. `up` starts them again.
 */
export async function stopComponents (config: StackConfig, names: string[], log: Log, options: { kill?: boolean } = {}): Promise<void> {
  const supervisor = new Supervisor(config)
  try {
    const running = await supervisor.list()
    const known = stackComponents(config).reverse()
    const unknownName = names.find(n => !known.some(c => c.name === n))
    if (unknownName) throw new StackError('UNKNOWN_COMPONENT', `There is no component "${unknownName}": name one of ${known.map(c => c.name).reverse().join(', ')}.`)
    // With no names, anything pm2 runs that this version no longer knows of stops first.
    const others = names.length > 0 ? [] : running.filter(r => !known.some(c => c.name === r.name))
    for (const r of others) {
      await supervisor.remove(r.name)
      log(`stopped ${r.name}`)
    }
    for (const c of known.filter(k => names.length === 0 || names.includes(k.name))) {
      const r = running.find(p => p.name === c.name)
      if (!r) continue
      if (options.kill && r.pid) process.kill(r.pid, 'SIGKILL')
      else if (r.online && c.beforeStop) {
        // The supervisor lets go first, or it would start again what the component's own stop
        // (PostgreSQL's pg_ctl, which escalates the supervisor's SIGTERM to a fast shutdown) ended.
        const removing = supervisor.remove(c.name)
        await c.beforeStop()
        await removing
        log(`stopped ${c.name}`)
        continue
      }
      await supervisor.remove(c.name)
      log(`${options.kill ? 'killed' : 'stopped'} ${c.name}`)
    }
    await supervisor.shutdownIfIdle()
  } finally {
    supervisor.disconnect()
  }
}

/** Stops everything `up` started and ends the supervisor; `purge` also deletes data. */
export async function down (config: StackConfig, options: { purge: boolean }, log: Log): Promise<void> {
  await stopComponents(config, [], log)
  if (options.purge) {
    await rm(config.paths.data, { recursive: true, force: true })
    await rm(config.paths.conf, { recursive: true, force: true })
    await rm(config.paths.logs, { recursive: true, force: true })
    log(`deleted data, config and logs under ${config.paths.home} (the jar cache stays)`)
  }
}
