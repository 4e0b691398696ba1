export interface Health {
  healthy: boolean
  reason?: string
}

/** How the supervisor runs a component: a foreground process it can signal and wait for. */
export interface ProcessSpec {
  command: string
  args: string[]
  cwd?: string
  env?: Record<string, string>
  /** OS user to run as (PostgreSQL refuses to run as root). */
  user?: string
  /**
   * How long a clean shutdown after SIGTERM may take before the supervisor kills it. Every
   * component is started again when it exits on its own (a crash, a kill), after a delay growing
   * ×1.5 from 500 ms up to 15 s, as Compose's `restart:` and Kubernetes do; only `./ripple stop`
   * and `down` (which remove it from the supervisor) keep it stopped.
   */
  stopTimeoutMs: number
}

export interface Component {
  readonly name: string
  /** What a client connects to, shown by `ripple status`. */
  address (): string
  /** Ports the process will listen on; all must be free before it starts. */
  ports (): { port: number, what: string }[]
  /**
   * Executables it needs, with the Debian package that provides each; `systemService` names the
   * package's own system service, which `up` keeps from starting and disables when it installs it.
   */
  binaries (): { path: string, aptPackage: string, systemService?: string }[]
  /** Creates data folders and config files; safe to run on every start. */
  prepare (): Promise<void>
  process (): ProcessSpec
  health (): Promise<Health>
  /** Runs once the process answers: users, grants, settings. Must be idempotent. */
  afterStart? (): Promise<void>
  /** Runs before the supervisor's SIGTERM, for a process that needs another way to stop cleanly. */
  beforeStop? (): Promise<void>
  /**
   * A running process that answers unhealthy (a consumer out of its group, a stalled partition,
   * a lost database) is restarted by `./ripple up`: true for Ripple's own services.
   */
  readonly restartWhenUnhealthy?: boolean
  /** Names of components that must be healthy first. */
  readonly dependsOn: string[]
}

