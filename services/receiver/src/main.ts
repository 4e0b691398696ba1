import { runService } from '@ripple/kit'
import { createReceiverService } from './app.ts'
import { receiverConfigSchema } from './config.ts'

await runService('receiver', receiverConfigSchema, createReceiverService)
