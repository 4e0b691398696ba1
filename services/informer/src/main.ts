import { runService } from '@ripple/kit'
import { createInformerService } from './app.ts'
import { informerConfigSchema } from './config.ts'

await runService('informer', informerConfigSchema, createInformerService)
