import { runService } from '@ripple/kit'
import { createNotificationService } from './app.ts'
import { notificationServiceConfigSchema } from './config.ts'

await runService('notification-service', notificationServiceConfigSchema, createNotificationService)
