import { testConfig, unique } from '@ripple/testing'
import { postServiceConfigSchema } from '../src/config.ts'
import type { PostServiceConfig } from '../src/config.ts'
import type { MariaDbSettings } from '@ripple/kit'
import { POST_DB_OPTIONS } from '../src/adapters/mariadb.migrations.ts'

// What only this service's tests need; the rest comes from @ripple/testing.
export { deleteTopics, dropMariaDbDatabase, eventually, forgedTokens, readTopic, testAccessToken, testAdminToken, unique, userChangeRecord } from '@ripple/testing'

/**
 * The service's settings against the running stack (`./ripple test` passes its addresses), quiet
 * and on a free port; its revocation consumer in a group of its own, never the stack's
 * post-service.revocations (it would take partitions from the stack's post-service).
 */
export function serviceConfig (overrides: { MARIADB_DATABASE: string, [variable: string]: string }): PostServiceConfig {
  return testConfig(postServiceConfigSchema, { REVOCATION_GROUP_ID: unique('test-post-revocations-'), ...overrides })
}

export function settingsOf (config: PostServiceConfig, connectionLimit = 5): MariaDbSettings {
  return { host: config.MARIADB_HOST, port: config.MARIADB_PORT, user: config.MARIADB_USER, password: config.MARIADB_PASSWORD, database: config.MARIADB_DATABASE, connectionLimit, options: POST_DB_OPTIONS }
}
