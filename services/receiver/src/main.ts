import { loadConfig, serviceLifecycle } from '@ripple/kit'
import { createReceiverService } from './app.ts'
import { receiverConfigSchema } from './config.ts'

const lifecycle = serviceLifecycle('receiver')
const service = createReceiverService(loadConfig(receiverConfigSchema))
await lifecycle.run(service, service.app.log)
