import { loadConfig, serviceLifecycle } from '@ripple/kit'
import { createSubscribeService } from './app.ts'
import { configSchema } from './config.ts'

const lifecycle = serviceLifecycle('subscribe-service')
const service = createSubscribeService(loadConfig(configSchema), { onFatal: lifecycle.fatal })
await lifecycle.run(service, service.logger)
