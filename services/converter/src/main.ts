import { loadConfig, serviceLifecycle } from '@ripple/kit'
import { createConverterService } from './app.ts'
import { converterConfigSchema } from './config.ts'

const lifecycle = serviceLifecycle('converter')
const service = createConverterService(loadConfig(converterConfigSchema), { onFatal: lifecycle.fatal })
await lifecycle.run(service, service.logger)
