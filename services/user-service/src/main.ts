import { loadConfig, serviceLifecycle } from '@ripple/kit'
import { createUserService } from './app.ts'
import { userServiceConfigSchema } from './config.ts'

const lifecycle = serviceLifecycle('user-service')
const service = createUserService(loadConfig(userServiceConfigSchema))
await lifecycle.run(service, service.app.log)
