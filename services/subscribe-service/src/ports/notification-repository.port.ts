import type { Notification } from '../entities/notification.entity.ts'
import type { PostCreatedEvent } from '../entities/post-event.entity.ts'

export interface RecordOutcome {
  /** 'duplicate': the event id was already in the inbox, and nothing changed. */
  status: 'processed' | 'duplicate'
  notified: number
  /** Of those, how many wait for a webhook delivery. */
  webhooks: number
}

export interface NotificationRepository {
  /**
   * In one transaction: the event id into the inbox, and one notification for each current
   * subscriber of the post's author (a pending delivery for those with a webhook).
   */
  recordForSubscribers (event: PostCreatedEvent): Promise<RecordOutcome>
  /** Oldest first. */
  listBySubscriber (subscriberId: string, page: { limit: number, offset: number }): Promise<{ items: Notification[], total: number }>
}
