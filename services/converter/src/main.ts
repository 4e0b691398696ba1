import { runService } from '@ripple/kit'
import { createConverterService } from './app.ts'
import { converterConfigSchema } from './config.ts'

await runService('converter', converterConfigSchema, createConverterService)
