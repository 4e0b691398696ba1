import { runService } from '@ripple/kit'
import { createUserService } from './app.ts'
import { userServiceConfigSchema } from './config.ts'

await runService('user-service', userServiceConfigSchema, createUserService)
