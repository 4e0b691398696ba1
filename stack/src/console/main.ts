import { createLogger, createMetrics } from '@ripple/kit'
import { loadStackConfig } from '../config.ts'
import { createConsole } from './console.server.ts'

// `./ripple up` runs this as the `console` component; its settings are the stack's own
// (RIPPLE_HOME, ports, the generated OPERATOR_KEY), read and validated once here.
const config = loadStackConfig(process.env)
const logger = createLogger('console', process.env.LOG_LEVEL ?? 'info')
const web = createConsole({ config, logger, metrics: createMetrics('console'), operatorKey: config.secrets.generated.OPERATOR_KEY })
const url = await web.start(config.ports.console, config.host)
logger.info({ url }, 'console listening')

let stopping = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return
    stopping = true
    web.stop().then(() => process.exit(0), err => { logger.error({ err }, 'console stop failed'); process.exit(1) })
  })
}
