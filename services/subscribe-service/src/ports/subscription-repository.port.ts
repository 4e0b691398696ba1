import type { NewSubscription, Subscription } from '../entities/subscription.entity.ts'

export interface SubscriptionRepository {
  /** Creates the subscription, or sets the webhook (and its secret) of the existing one; `created` says which. */
  upsert (subscription: NewSubscription): Promise<{ subscription: Subscription, created: boolean }>
  /** false when there was no such subscription. */
  delete (subscriberId: string, authorId: string): Promise<boolean>
  listBySubscriber (subscriberId: string): Promise<Subscription[]>
}
