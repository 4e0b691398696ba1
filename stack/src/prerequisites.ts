import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { execa } from 'execa'
import { cassandraLibs } from './components/cassandra.ts'
import type { Component } from './components/component.ts'
import type { StackConfig } from './config.ts'
import { StackError } from './errors.ts'

type Log = (line: string) => void

async function found (binary: string): Promise<boolean> {
  if (binary.startsWith('/')) return existsSync(binary)
  return (await execa('sh', ['-c', `command -v "${binary}"`], { reject: false })).exitCode === 0
}

async function aptInstall (packages: string[], log: Log): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new StackError('MISSING_PACKAGES', `Debian packages ${packages.join(', ')} are missing: install them with "sudo apt-get install -y ${packages.join(' ')}" and run again.`)
  }
  log(`installing Debian packages: ${packages.join(', ')}`)
  const env = { DEBIAN_FRONTEND: 'noninteractive' }
  // Waits for a dpkg lock held by another install (a second `./ripple up`) instead of failing at once.
  const install = () => execa('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '--no-install-recommends', ...packages], { env, reject: false })
  // Debian starts a package's service on install (ClickHouse on 8123/9000, Prometheus on 9090),
  // which would hold the ports of the stack's own instances; policy-rc.d is Debian's switch against that.
  const policy = '/usr/sbin/policy-rc.d'
  const guardServices = !existsSync(policy)
  if (guardServices) await writeFile(policy, '#!/bin/sh\n# Written by ./ripple up while it installs packages: start no service.\nexit 101\n', { mode: 0o755 })
  let result
  try {
    result = await install()
    if (result.exitCode !== 0) {
      await execa('apt-get', ['update'], { env, reject: false })
      result = await install()
    }
  } finally {
    if (guardServices) await rm(policy, { force: true })
  }
  if (result.exitCode !== 0) {
    throw new StackError('APT_FAILED', `apt-get could not install ${packages.join(', ')}: ${String(result.stderr).trim().split('\n').pop()}; install them by hand and run again.`)
  }
}

/**
 * Kept from starting at boot, so it never takes the ports of the stack's instance after a reboot.
 * Never through the init script's stop: ClickHouse's kills every clickhouse-server, the stack's too.
 */
async function disableSystemService (name: string): Promise<void> {
  if (existsSync('/run/systemd/system')) {
    await execa('systemctl', ['disable', '--now', name], { reject: false })
    return
  }
  await execa('update-rc.d', [name, 'disable'], { reject: false })
}

/** Installs, through apt, every binary the components (and Maven) need that the machine lacks. */
export async function ensureBinaries (components: Pick<Component, 'binaries'>[], log: Log): Promise<void> {
  const wanted = [
    { path: 'mvn', aptPackage: 'maven' },
    { path: 'java', aptPackage: 'openjdk-17-jre-headless' },
    ...components.flatMap(c => c.binaries())
  ]
  const missing: { path: string, aptPackage: string, systemService?: string }[] = []
  for (const b of wanted) if (!(await found(b.path))) missing.push(b)
  if (missing.length === 0) return
  await aptInstall([...new Set(missing.map(m => m.aptPackage))], log)
  for (const service of new Set(missing.flatMap(m => m.systemService ? [m.systemService] : []))) {
    await disableSystemService(service)
    log(`disabled the system service ${service} the package installed: Ripple runs its own instance`)
  }
  for (const b of missing) {
    if (!(await found(b.path))) {
      throw new StackError('MISSING_BINARY', `${b.path} is still missing after installing ${b.aptPackage}: install it by hand and run again.`)
    }
  }
}

/** Runs one POM's `package` unless a stamp of its hash says its jars are already in `folder`. */
async function fetchThroughMaven (config: StackConfig, pomName: string, stampName: string, folder: string, what: string, log: Log): Promise<void> {
  const pom = join(config.repoRoot, 'stack', 'maven', pomName)
  const hash = createHash('sha256').update(readFileSync(pom)).digest('hex')
  const stamp = join(config.paths.cache, stampName)
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash && existsSync(folder)) return
  log(`fetching ${what} through Maven (first run only)`)
  await mkdir(config.paths.cache, { recursive: true })
  const result = await execa('mvn', ['-q', '-B', '-f', pom, `-Dripple.cache=${config.paths.cache}`, 'package'], { reject: false, all: true })
  if (result.exitCode !== 0) {
    const lastError = String(result.all).split('\n').filter(l => l.includes('ERROR')).slice(0, 2).join(' ')
    throw new StackError('MAVEN_FAILED', `Maven could not fetch ${what} (${lastError.slice(0, 300)}); check that Maven Central is reachable and run again.`, { canRetry: true })
  }
  await writeFile(stamp, hash)
}

/**
 * Fetches Kafka, Connect and the Debezium plugins (stack/maven/pom.xml), and Cassandra
 * (stack/maven/cassandra.pom.xml, its own classpath folder) into .ripple/cache. A stamp of each
 * POM's hash skips Maven entirely while nothing changed.
 */
export async function ensureJars (config: StackConfig, log: Log): Promise<void> {
  await fetchThroughMaven(config, 'pom.xml', 'maven.stamp', config.paths.kafkaLibs, 'the Kafka and Debezium jars', log)
  await fetchThroughMaven(config, 'cassandra.pom.xml', 'maven-cassandra.stamp', cassandraLibs(config), 'the Cassandra jars', log)
}

export function portFree (host: string, port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

/** Fails with one sentence for the first port a component needs that something else holds. */
export async function ensurePortsFree (config: StackConfig, components: Component[]): Promise<void> {
  for (const c of components) {
    for (const { port, what } of c.ports()) {
      if (!(await portFree(config.host, port))) {
        const envVar = /\((RIPPLE_[A-Z_]+)\)/.exec(what)?.[1]
        throw new StackError('PORT_BUSY', `Port ${port} on ${config.host}, needed by ${what.replace(/ \(.*\)/, '')}, is taken by another process: stop that process${envVar ? ` or set ${envVar} to a free port` : ''} and run again.`)
      }
    }
  }
}
