import { migrateMariaDbDatabase } from '@ripple/kit'
import type { MariaDbSettings } from '@ripple/kit'

/**
 * How post-service talks to MariaDB:
 * - jsonStrings: the outbox payload is published as the text stored, never re-serialised from a parse of it;
 * - multipleStatements: a post's transaction takes two round trips instead of four (every value
 *   still goes in as a parameter, escaped by the driver);
 * - no trace: the caller's stack captured for every query was 3 % of the service's CPU under load;
 *   a failed query still carries the server's code and message.
 */
export const POST_DB_OPTIONS = { jsonStrings: true, multipleStatements: true, trace: false }

const postsTable = `
  CREATE TABLE IF NOT EXISTS posts (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    author_id VARCHAR(64) NOT NULL,
    title VARCHAR(255) NOT NULL,
    content TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    KEY ix_posts_author (author_id, id)
  ) ENGINE=InnoDB`

/**
 * Debezium's outbox shape (id, aggregatetype, aggregateid, type, payload) plus:
 * - seq: insertion order, which the polling relay publishes in (the event id is random);
 * - event_key: the Kafka key, the author (the EventRouter's table.field.event.key);
 * - created_at: the Kafka record's timestamp (table.field.event.timestamp), and what the
 *   clean-up of published events goes by.
 * payload is JSON (MariaDB: LONGTEXT that must be valid JSON), published as the text it is.
 */
const outboxTable = `
  CREATE TABLE IF NOT EXISTS outbox (
    seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    id CHAR(36) CHARACTER SET ascii NOT NULL,
    aggregatetype VARCHAR(64) NOT NULL,
    aggregateid VARCHAR(64) NOT NULL,
    type VARCHAR(64) NOT NULL,
    event_key VARCHAR(64) NOT NULL,
    payload JSON NOT NULL,
    created_at DATETIME(6) NOT NULL,
    KEY ix_outbox_created_at (created_at)
  ) ENGINE=InnoDB`

/**
 * Per user whose tokens something revoked (learnt from userdata.users' change events): the last
 * password change (epoch ms, user-service's clock, as tokens' iat_ms) and whether the account was
 * deleted. Not captured: the outbox connector reads post_service_db.outbox only.
 */
const userTokenStatesTable = `
  CREATE TABLE IF NOT EXISTS user_token_states (
    user_id VARCHAR(64) CHARACTER SET ascii NOT NULL PRIMARY KEY,
    password_changed_at_ms BIGINT NULL,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at DATETIME(6) NOT NULL
  ) ENGINE=InnoDB`

/** Creates the database and its tables if missing; safe at every start-up. */
export async function migrate (settings: MariaDbSettings): Promise<void> {
  await migrateMariaDbDatabase(settings, [postsTable, outboxTable, userTokenStatesTable])
}
