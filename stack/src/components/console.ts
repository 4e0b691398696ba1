import { join } from 'node:path'
import type { StackConfig } from '../config.ts'
import { ACCOUNTS, endpoints } from '../config.ts'
import { consoleReads } from './console.reads.ts'
import type { Component } from './component.ts'
import { grantColumnReads as grantMariadbReads } from './mariadb.ts'
import { grantColumnReads as grantPostgresReads } from './postgres.ts'
import { httpProbe } from './probes.ts'

/** The web console (console/, @ripple/console): topics, groups, connectors, dead letters, mail, traces. */
export function webConsole (config: StackConfig): Component {
  const { consoleUrl } = endpoints(config)
  return {
    name: 'console',
    dependsOn: [...config.kafka.nodes.map(n => n.name), ...config.connectWorkers.map(w => w.name), 'smtp'],
    address: () => consoleUrl,
    ports: () => [{ port: config.ports.console, what: 'web console (RIPPLE_CONSOLE_PORT)' }],
    binaries: () => [],
    async prepare () {},
    process: () => ({
      command: process.execPath,
      args: ['--disable-warning=ExperimentalWarning', join(config.repoRoot, 'console', 'src', 'main.ts')],
      cwd: join(config.repoRoot, 'console'),
      // It reads the stack's settings and secrets itself (RIPPLE_HOME), as the CLI does.
      // Its Kafka clients log in as the console's own principal (stack/src/kafka-auth.ts: consoleAcls).
      env: { ...config.childEnv, RIPPLE_HOME: config.paths.home, RIPPLE_KAFKA_PRINCIPAL: 'console' },
      stopTimeoutMs: 5000
    }),
    // The console's database accounts (made by mariadb.ts and postgres.ts) get their column
    // grants here: every service has started and migrated its tables by now. A table missing
    // (a service not registered) is left out, and the trace shows the store's refusal for it.
    async afterStart () {
      const reads = consoleReads(config)
      await grantMariadbReads(config, ACCOUNTS.console, reads.filter(r => r.engine === 'mariadb'))
      await grantPostgresReads(config, ACCOUNTS.console, reads.filter(r => r.engine === 'postgres'))
    },
    health: () => httpProbe(`${consoleUrl}/health`)
  }
}
