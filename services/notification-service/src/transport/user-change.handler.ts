import { decodeUserChange } from '@ripple/contracts'
import { changeEventId } from '@ripple/kit'
import type { ConsumedMessage, Logger, MessageHandler } from '@ripple/kit'
import type { NotifyUserChange } from '../interactors/notify-user-change.interactor.ts'
import { toUserChange } from './user-row.mapper.ts'

/**
 * The Kafka side of notifications: decode the Debezium event through the topic's contract (malformed ones throw
 * InvalidInputError and are dead-lettered by the consumer), name it, hand it to the interactor.
 */
export function createUserChangeHandler (deps: { notify: NotifyUserChange, logger: Logger }): MessageHandler {
  const { notify, logger } = deps
  return async (message: ConsumedMessage) => {
    const decoded = decodeUserChange(message)
    if (decoded.kind === 'tombstone') return
    const change = toUserChange(decoded.event)
    if (change.kind === 'ignored') return
    const eventId = changeEventId(decoded.event, message)
    const result = await notify(eventId, change)
    for (const mail of result.resent) {
      logger.info({ eventId, kind: mail.kind }, 'sent a mail again that an earlier attempt may have sent, with the same Message-ID')
    }
    logger.debug({ eventId, change: change.kind, ...result, resent: result.resent.length }, 'user change handled')
  }
}
