import { decodeUserChange } from '@ripple/contracts'
import { userTokenStateOf } from '@ripple/kit'
import type { ConsumedMessage, Logger, MessageHandler } from '@ripple/kit'
import type { RecordUserTokenState } from '../interactors/token-revocation.interactor.ts'

/** The Kafka side of revocation: a userdata.users change event (Debezium) to what it says of the user's tokens. Malformed events are dead-lettered. */
export function createUserChangeHandler (deps: { record: RecordUserTokenState, logger: Logger }): MessageHandler {
  const { record, logger } = deps
  return async (message: ConsumedMessage) => {
    const state = userTokenStateOf(decodeUserChange(message))
    if (state === undefined) return
    const outcome = await record(state)
    if (outcome === 'recorded') logger.debug({ userId: state.userId, deleted: state.deleted, passwordChangedAtMs: state.passwordChangedAtMs }, 'user token state recorded')
  }
}
