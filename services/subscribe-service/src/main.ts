import { runService } from '@ripple/kit'
import { createSubscribeService } from './app.ts'
import { subscribeServiceConfigSchema } from './config.ts'

await runService('subscribe-service', subscribeServiceConfigSchema, createSubscribeService)
