import { loadConfig, serviceLifecycle } from '@ripple/kit'
import { createInformerService } from './app.ts'
import { informerConfigSchema } from './config.ts'

const lifecycle = serviceLifecycle('informer')
const service = createInformerService(loadConfig(informerConfigSchema), { onFatal: lifecycle.fatal })
await lifecycle.run(service, service.logger)
