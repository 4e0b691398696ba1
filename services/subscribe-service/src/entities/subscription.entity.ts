/** A subscriber follows an author; with a webhook URL, each notification is also POSTed there. */
export interface Subscription {
  subscriberId: string
  authorId: string
  webhookUrl: string | null
  createdAt: Date
}

/** A subscription as stored: with the secret its webhooks are signed with (null without a webhook). Never listed. */
export interface NewSubscription extends Omit<Subscription, 'createdAt'> {
  webhookSecret: string | null
}
