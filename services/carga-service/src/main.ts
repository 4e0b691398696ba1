import { runService } from '@ripple/kit'
import { createCargaService } from './app.ts'
import { cargaConfigSchema } from './config.ts'

await runService('carga-service', cargaConfigSchema, createCargaService)
