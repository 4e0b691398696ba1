import { runService } from '@ripple/kit'
import { createProcessorService } from './app.ts'
import { processorConfigSchema } from './config.ts'

await runService('processor', processorConfigSchema, createProcessorService)
