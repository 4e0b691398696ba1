import { loadConfig, serviceLifecycle } from '@ripple/kit'
import { createSubscribeService } from './app.ts'
import { subscribeServiceConfigSchema } from './config.ts'

const lifecycle = serviceLifecycle('subscribe-service')
const service = createSubscribeService(loadConfig(subscribeServiceConfigSchema), { onFatal: lifecycle.fatal })
await lifecycle.run(service, service.logger)
