import { existsSync, readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { StackConfig } from './config.ts'
import type * as Pm2Module from 'pm2'
import type { StartOptions } from 'pm2'
import type { ProcessSpec } from './components/component.ts'

/**
 * Runs each component as a pm2-managed process under .ripple/pm2: pm2 keeps the pids,
 * the logs and the stop-with-timeout logic, so `up`, `status` and `down` can run from
 * separate shells. The pm2 daemon lives only while something of the stack runs.
 */
export interface RunningProcess {
  name: string
  pid: number | undefined
  online: boolean
  memoryBytes: number | undefined
  cpuPercent: number | undefined
  uptimeMs: number | undefined
  /** How often the supervisor started it again after it exited on its own. */
  restarts: number
  /** How its last run ended (exit code or signal), once it has ended at least once. */
  lastExit: string | undefined
  /** Given up on: it crashed again within a second, 16 times in a row (pm2's errored state). */
  crashLooping: boolean
  /** Exited on its own and due to be started again after the backoff. */
  restarting: boolean
}

type Pm2 = typeof Pm2Module

/**
 * First restart delay. It also keeps `ripple stop --kill` deterministic: the CLI deletes the
 * process from pm2 right after its SIGKILL, long before this delay lets pm2 start it again.
 */
const RESTART_DELAY_MS = 500

async function loadPm2 (config: StackConfig): Promise<Pm2> {
  // pm2 reads these when it is first loaded, and its daemon inherits them.
  process.env.PM2_HOME = config.paths.pm2
  process.env.PM2_PROGRAMMATIC = 'true'
  // JVMs, MariaDB and Node stop cleanly on SIGTERM (PostgreSQL stops through pg_ctl first).
  process.env.PM2_KILL_SIGNAL = 'SIGTERM'
  await mkdir(config.paths.pm2, { recursive: true })
  const mod = await import('pm2') as Pm2 & { default?: Pm2 }
  return mod.default ?? mod
}

/** How pm2 saw the last run end. It records a death by signal as exit code 0, so 0 says only that much. */
function exitOf (env: { exit_code?: number | null } | undefined): string | undefined {
  if (env === undefined || env.exit_code === undefined) return undefined
  return env.exit_code ? `exit code ${env.exit_code}` : 'killed by a signal, or exit code 0'
}

function daemonAlive (config: StackConfig): boolean {
  const pidFile = join(config.paths.pm2, 'pm2.pid')
  if (!existsSync(pidFile)) return false
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 0)
    return true
  } catch {
    return false
  }
}

export class Supervisor {
  readonly #config: StackConfig
  #pm2: Promise<Pm2> | undefined

  constructor (config: StackConfig) {
    this.#config = config
  }

  // Memoised: components start concurrently, and a second pm2.connect() on one client hangs.
  #connect (): Promise<Pm2> {
    this.#pm2 ??= loadPm2(this.#config).then(async pm2 => {
      await promisify(pm2.connect.bind(pm2))()
      return pm2
    })
    return this.#pm2
  }

  logFile (name: string): string {
    return join(this.#config.paths.logs, `${name}.log`)
  }

  async list (): Promise<RunningProcess[]> {
    if (!this.#pm2 && !daemonAlive(this.#config)) return []
    const pm2 = await this.#connect()
    const list = await promisify(pm2.list.bind(pm2))()
    return list.map(p => ({
      name: p.name ?? '',
      pid: p.pid || undefined,
      online: p.pm2_env?.status === 'online',
      memoryBytes: p.monit?.memory,
      cpuPercent: p.monit?.cpu,
      uptimeMs: p.pm2_env?.pm_uptime ? Date.now() - p.pm2_env.pm_uptime : undefined,
      restarts: p.pm2_env?.restart_time ?? 0,
      lastExit: exitOf(p.pm2_env as { exit_code?: number | null } | undefined),
      crashLooping: p.pm2_env?.status === 'errored',
      // pm2 writes 'waiting restart' (constants.js), which its types spell 'waiting_restart'.
      restarting: ['waiting restart', 'waiting_restart', 'launching'].includes(String(p.pm2_env?.status))
    }))
  }

  async start (name: string, spec: ProcessSpec, uid?: { uid: number, gid: number }): Promise<void> {
    const pm2 = await this.#connect()
    await mkdir(this.#config.paths.logs, { recursive: true })
    // A stopped entry of the same name would make pm2 refuse or duplicate the start.
    if ((await this.list()).some(p => p.name === name)) await this.remove(name)
    const options = {
      name,
      script: spec.command,
      args: spec.args,
      interpreter: 'none',
      cwd: spec.cwd ?? this.#config.repoRoot,
      env: { ...this.#config.childEnv, ...spec.env },
      // pm2 copies the calling process's whole environment into each process it starts: when
      // a test (with the admin credentials and every secret) runs `up`, a restarted service
      // would inherit them. These prefixes are dropped from the inherited part; `env` stays.
      filter_env: ['MARIADB_', 'POSTGRES_', 'PASSWORD', 'SECRET', 'ADMIN_KEY', 'JWT_', 'CONFIRMATION_'],
      output: this.logFile(name),
      error: this.logFile(name),
      merge_logs: true,
      autorestart: true,
      // pm2 grows the delay ×1.5 per restart and caps it at 15 s; a process that ran 30 s
      // without exiting starts over from the first delay.
      exp_backoff_restart_delay: RESTART_DELAY_MS,
      kill_timeout: spec.stopTimeoutMs,
      treekill: false,
      ...(uid ?? {})
    } as StartOptions
    await new Promise<void>((resolve, reject) => pm2.start(options, err => err ? reject(err) : resolve()))
  }

  /** Stops the process as `remove` does and starts it again with the same settings. */
  async restart (name: string): Promise<void> {
    const pm2 = await this.#connect()
    await promisify(pm2.restart.bind(pm2))(name)
  }

  /** Stops (SIGTERM, then SIGKILL after the spec's timeout) and forgets the process. */
  async remove (name: string): Promise<void> {
    const pm2 = await this.#connect()
    await promisify(pm2.delete.bind(pm2))(name)
  }

  /** Ends the pm2 daemon itself once nothing is left to supervise. */
  async shutdownIfIdle (): Promise<void> {
    if (!this.#pm2) return
    const pm2 = await this.#pm2
    if ((await this.list()).length === 0) {
      // killDaemon closes the client connection itself; disconnecting again would hang.
      await promisify(pm2.killDaemon.bind(pm2))()
      this.#pm2 = undefined
      return
    }
    this.disconnect()
  }

  disconnect (): void {
    this.#pm2?.then(pm2 => pm2.disconnect(), () => {})
    this.#pm2 = undefined
  }
}
