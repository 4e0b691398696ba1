import { createLogger, createMetrics } from '@ripple/kit'
import type { Logger } from '@ripple/kit'
import type { StackConfig } from '@ripple/stack'
import { createConsole } from './console.server.ts'

/**
 * Starts the console on `listenHost` and stops it cleanly on SIGTERM or SIGINT: the whole of a
 * console process, whether `./ripple up` runs it or a container does (deploy/src/console.main.ts).
 */
export async function runConsole (config: StackConfig, listenHost: string, logger: Logger = createLogger('console', process.env.LOG_LEVEL ?? 'info')): Promise<string> {
  const web = createConsole({ config, logger, metrics: createMetrics('console'), operatorKey: config.secrets.generated.OPERATOR_KEY })
  const url = await web.start(config.ports.console, listenHost)
  let stopping = false
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (stopping) return
      stopping = true
      web.stop().then(() => process.exit(0), err => { logger.error({ err }, 'console stop failed'); process.exit(1) })
    })
  }
  return url
}
