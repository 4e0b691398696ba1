import { existsSync, readFileSync } from 'node:fs'
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import { AbortError } from 'p-retry'
import type { StackConfig } from '../config.ts'
import { connectTarget, endpoints } from '../config.ts'
import { StackError } from '../errors.ts'
import type { Component, Health } from './component.ts'
import { CONNECT_AUTHORIZATION_VARIABLE, gatewayConfig, loadRoutes, resolveBackends, ROUTES_FILE } from './gateway.config.ts'
import { httpProbe, tcpProbe } from './probes.ts'

const HAPROXY = '/usr/sbin/haproxy'

/** Debian's package creates this account; HAProxy switches to it after binding when started as root. */
function unprivilegedUser (): string | undefined {
  if (process.getuid?.() !== 0) return undefined
  return /^haproxy:/m.test(readFileSync('/etc/passwd', 'utf8')) ? 'haproxy' : undefined
}

/**
 * The pid of HAProxy's master process reading `configFile`: the one whose parent does not read
 * it too (its workers do), found in /proc as Prometheus' is.
 */
async function masterPid (configFile: string): Promise<number | undefined> {
  const readers = new Map<number, number>()
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const argv = await readFile(`/proc/${entry}/cmdline`, 'utf8').then(t => t.split('\0'), (): string[] => [])
    if (!argv[0]?.endsWith('haproxy') || argv[argv.indexOf('-f') + 1] !== configFile) continue
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    readers.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
  }
  return [...readers].find(([, parent]) => !readers.has(parent))?.[0]
}

/**
 * The API gateway: HAProxy 2.6 (Debian's package) with a config generated from
 * gateway/routes.json. HAProxy rather than Caddy or nginx: its Prometheus exporter and its
 * stick-table rate limiting are built in (Debian's Caddy 2.6 has no rate limiting, nginx
 * needs a separate exporter).
 */
export function gateway (config: StackConfig): Component {
  const configFile = join(config.paths.conf, 'haproxy.cfg')
  const { gatewayUrl } = endpoints(config)
  const metricsUrl = `http://${config.host}:${config.ports.gatewayMetrics}`
  // The gateway's own Connect account, given to HAProxy through its environment (never the file or args).
  const env = { [CONNECT_AUTHORIZATION_VARIABLE]: connectTarget(config, 'gateway').authorization ?? '' }

  /**
   * Writes haproxy.cfg (0600) once HAProxy accepts it, so a file HAProxy would refuse never
   * replaces a working one; true when the content changed.
   */
  const writeConfig = async (): Promise<boolean> => {
    const text = gatewayConfig(config, unprivilegedUser())
    if (existsSync(configFile) && readFileSync(configFile, 'utf8') === text) {
      await chmod(configFile, 0o600)
      return false
    }
    await mkdir(config.paths.conf, { recursive: true })
    const candidate = `${configFile}.new`
    await writeFile(candidate, text, { mode: 0o600 })
    await chmod(candidate, 0o600)
    const check = await execa(HAPROXY, ['-c', '-q', '-f', candidate], { reject: false, all: true, env })
    if (check.exitCode !== 0) {
      await rm(candidate, { force: true })
      const alert = String(check.all).split('\n').find(l => l.includes('ALERT')) ?? String(check.all).trim().split('\n')[0]
      throw new StackError('INVALID_ROUTES', `HAProxy refuses the config generated from ${ROUTES_FILE} (${alert?.replace(/^\[ALERT\]\s*\([^)]*\)\s*:\s*/, '').trim()}): fix the routes file and run ./ripple up again.`)
    }
    await rename(candidate, configFile)
    return true
  }

  return {
    name: 'gateway',
    // The registered services it routes to are started first; one not registered yet answers 503.
    get dependsOn () {
      const routes = loadRoutes(config)
      return ['connect', ...Object.values(resolveBackends(config, routes)).flatMap(b => b.service ? [b.service] : [])]
    },
    address: () => gatewayUrl,
    ports: () => [
      { port: config.ports.gateway, what: 'API gateway (RIPPLE_GATEWAY_PORT)' },
      { port: config.ports.gatewayMetrics, what: 'API gateway metrics (RIPPLE_GATEWAY_METRICS_PORT)' }
    ],
    binaries: () => [{ path: HAPROXY, aptPackage: 'haproxy', systemService: 'haproxy' }],

    async prepare () {
      await writeConfig()
    },

    process: () => ({
      command: HAPROXY,
      // -W: a master process that re-reads the file on SIGUSR2 and hands over to new workers
      // without dropping connections; -db: in the foreground, logging to the supervisor's file.
      args: ['-W', '-db', '-f', configFile],
      env,
      stopTimeoutMs: 5000
    }),

    async health (): Promise<Health> {
      const listening = await tcpProbe(config.host, config.ports.gateway)
      if (!listening.healthy) return listening
      return httpProbe(`${metricsUrl}/health`)
    },

    // `up` runs this also when the gateway already runs: a changed routes file (or operator key) is
    // loaded by a graceful reload instead of a restart.
    async afterStart () {
      // A mistake in the routes file is not worth retrying: `up` stops at once with its sentence.
      const changed = await writeConfig().catch((err: unknown) => { throw err instanceof StackError ? new AbortError(err) : err })
      if (!changed) return
      const pid = await masterPid(configFile)
      if (pid === undefined) throw new AbortError(new StackError('GATEWAY_RELOAD', `No running HAProxy reads ${configFile}: run ./ripple stop gateway and ./ripple up.`))
      process.kill(pid, 'SIGUSR2')
    }
  }
}
