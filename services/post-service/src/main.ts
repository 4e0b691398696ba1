import { runService } from '@ripple/kit'
import { createPostService } from './app.ts'
import { postServiceConfigSchema } from './config.ts'

await runService('post-service', postServiceConfigSchema, createPostService)
