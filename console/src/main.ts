import { createLogger } from '@ripple/kit'
import { loadStackConfig } from '@ripple/stack'
import { runConsole } from './console.run.ts'

// `./ripple up` runs this as the `console` component; its settings are the stack's own
// (RIPPLE_HOME, ports, the generated OPERATOR_KEY), read and validated once here.
const config = loadStackConfig(process.env)
const logger = createLogger('console', process.env.LOG_LEVEL ?? 'info')
const url = await runConsole(config, config.host, logger)
logger.info({ url }, 'console listening')
