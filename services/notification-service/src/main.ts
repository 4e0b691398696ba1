import { loadConfig, serviceLifecycle } from '@ripple/kit'
import { createNotificationService } from './app.ts'
import { notificationServiceConfigSchema } from './config.ts'

const lifecycle = serviceLifecycle('notification-service')
const service = createNotificationService(loadConfig(notificationServiceConfigSchema), { onFatal: lifecycle.fatal })
await lifecycle.run(service, service.logger)
