import type { Notification } from '../entities/notification.entity.ts'
import type { PostCreatedEvent } from '../entities/post-event.entity.ts'
import type { NotificationRepository, RecordOutcome } from '../ports/notification-repository.port.ts'

export type RecordPostNotifications = (event: PostCreatedEvent) => Promise<RecordOutcome>

export interface NotificationsPage {
  items: Notification[]
  limit: number
  offset: number
  total: number
}
export type ListNotifications = (subscriberId: string, page: { limit: number, offset: number }) => Promise<NotificationsPage>

/**
 * Each subscriber of the author at the time the event is handled gets one notification. The
 * event's id goes into the inbox in the same transaction, so the same event delivered again
 * (a Kafka redelivery, a Debezium replay, both relays) changes nothing.
 */
export function makeRecordPostNotifications ({ notifications }: { notifications: NotificationRepository }): RecordPostNotifications {
  return event => notifications.recordForSubscribers(event)
}

export function makeListNotifications ({ notifications }: { notifications: NotificationRepository }): ListNotifications {
  return async (subscriberId, { limit, offset }) => {
    const { items, total } = await notifications.listBySubscriber(subscriberId, { limit, offset })
    return { items, limit, offset, total }
  }
}
