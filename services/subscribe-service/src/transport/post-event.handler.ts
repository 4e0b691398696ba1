import type { ConsumedMessage, Logger, MessageHandler } from '@ripple/kit'
import type { RecordPostNotifications } from '../interactors/notifications.interactor.ts'
import { decodePostEvent } from './post-event.decoder.ts'

/** The Kafka side: decode the outbox record, record its notifications, wake the webhook worker when some wait. */
export function createPostEventHandler (deps: { record: RecordPostNotifications, onWebhooksPending: () => void, logger: Logger }): MessageHandler {
  const { record, onWebhooksPending, logger } = deps
  return async (message: ConsumedMessage) => {
    const decoded = decodePostEvent(message)
    if (decoded.kind === 'ignored') {
      logger.debug({ type: decoded.type, offset: String(message.offset) }, 'not a PostCreated event; skipped')
      return
    }
    const outcome = await record(decoded.event)
    if (outcome.webhooks > 0) onWebhooksPending()
    logger.debug({ eventId: decoded.event.eventId, ...outcome }, 'post event handled')
  }
}
