import { loadConfig, serviceLifecycle } from '@ripple/kit'
import { createProcessorService } from './app.ts'
import { processorConfigSchema } from './config.ts'

const lifecycle = serviceLifecycle('processor')
const service = createProcessorService(loadConfig(processorConfigSchema), { onFatal: lifecycle.fatal })
await lifecycle.run(service, service.logger)
