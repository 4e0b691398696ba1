import { InvalidInputError } from '../errors/ripple.error.ts'
import { decodeChangeEvent } from '../debezium/change-event.decoder.ts'
import type { DecodedChange, Row } from '../debezium/change-event.types.ts'
import type { Caller } from './access-token.ts'

/**
 * Revocation of access tokens outside user-service. A token carries when it was signed
 * (`iat_ms`, user-service's clock); user-service stamps `passwordChangedAt` (the same clock) on
 * every password change and deletes the row of a deleted account. Both reach every other service
 * through the CDC topic of userdata.users, where each keeps what it learnt per user: the latest
 * password change and whether the account is gone. A token signed before the one or for the other
 * is refused.
 */
export interface UserTokenState {
  userId: string
  /** Epoch ms of the last password change (null: never since sign-up). */
  passwordChangedAtMs: number | null
  deleted: boolean
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const HEX_16_BYTES = /^[0-9a-f]{32}$/i
const BASE64_16_BYTES = /^[A-Za-z0-9+/_-]{22}(==)?$/
const asUuid = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`.toLowerCase()

/** users.id (BINARY(16)) as the UUID tokens name: the connector writes it in hex, JsonConverter's bytes are base64. */
function userIdOf (value: unknown): string {
  if (typeof value === 'string') {
    if (UUID.test(value)) return value.toLowerCase()
    if (HEX_16_BYTES.test(value)) return asUuid(value)
    if (BASE64_16_BYTES.test(value)) return asUuid(Buffer.from(value, 'base64').toString('hex'))
  }
  throw new InvalidInputError('id', 'id is not a 16-byte user id (hex, base64 or UUID)')
}

/** passwordChangedAt as epoch ms: DATETIME(6) is io.debezium.time.MicroTimestamp (µs) without schemas, or ISO text. */
function changedAtMs (value: unknown): number | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'number' && Number.isFinite(value)) return Math.floor(value / 1000)
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value)
  throw new InvalidInputError('passwordChangedAt', 'passwordChangedAt is neither microseconds since the epoch nor a timestamp')
}

/**
 * What a change event of userdata.users says about a user's tokens; undefined for a tombstone or
 * a truncate (which names no user). A malformed event is an InvalidInputError: dead-lettered.
 */
export function decodeUserTokenState (value: Buffer | string | null | undefined): UserTokenState | undefined {
  return userTokenStateOf(decodeChangeEvent(value))
}

/**
 * The same from an event already decoded: the services decode userdata.users' events through the
 * topic's contract (@ripple/contracts decodeUserChange), which the kit cannot import.
 */
export function userTokenStateOf (decoded: DecodedChange<Row>): UserTokenState | undefined {
  if (decoded.kind === 'tombstone' || decoded.event.op === 't') return undefined
  const { op, before, after } = decoded.event
  if (op === 'd') return { userId: userIdOf(before?.id), passwordChangedAtMs: changedAtMs(before?.passwordChangedAt), deleted: true }
  return { userId: userIdOf(after?.id), passwordChangedAtMs: changedAtMs(after?.passwordChangedAt), deleted: false }
}

/**
 * Whether a caller's token is revoked by what is known of its user. Admin tokens come from the
 * admin key, not an account, so no account change revokes them; a user nothing is known of yet
 * has changed nothing since signing up.
 */
export function isTokenRevoked (caller: Caller, state: Pick<UserTokenState, 'passwordChangedAtMs' | 'deleted'> | undefined): boolean {
  if (caller.role !== 'user' || state === undefined) return false
  if (state.deleted) return true
  return state.passwordChangedAtMs !== null && state.passwordChangedAtMs > (caller.issuedAtMs ?? 0)
}
