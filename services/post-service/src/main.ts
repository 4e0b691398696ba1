import { loadConfig, serviceLifecycle } from '@ripple/kit'
import { createPostService } from './app.ts'
import { postServiceConfigSchema } from './config.ts'

const lifecycle = serviceLifecycle('post-service')
const service = createPostService(loadConfig(postServiceConfigSchema))
await lifecycle.run(service, service.app.log)
