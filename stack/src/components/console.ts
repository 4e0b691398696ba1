import { join } from 'node:path'
import type { StackConfig } from '../config.ts'
import { endpoints } from '../config.ts'
import type { Component } from './component.ts'
import { httpProbe } from './probes.ts'

/** The web console (stack/src/console): topics, groups, connectors, dead letters, mail, traces. */
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
      args: ['--disable-warning=ExperimentalWarning', join(config.repoRoot, 'stack', 'src', 'console', 'main.ts')],
      cwd: join(config.repoRoot, 'stack'),
      // It reads the stack's settings and secrets itself (RIPPLE_HOME), as the CLI does.
      // Its Kafka clients log in as the console's own principal (stack/src/kafka-auth.ts: consoleAcls).
      env: { ...config.childEnv, RIPPLE_HOME: config.paths.home, RIPPLE_KAFKA_PRINCIPAL: 'console' },
      restartOnExit: true,
      stopTimeoutMs: 5000
    }),
    health: () => httpProbe(`${consoleUrl}/health`)
  }
}
