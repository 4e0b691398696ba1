import { runService } from '@ripple/kit'
import { createSyncService } from './app.ts'
import { syncServiceConfigSchema } from './config.ts'

await runService('sync-service', syncServiceConfigSchema, createSyncService)
