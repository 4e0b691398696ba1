/** A subscriber follows an author; with a webhook URL, each notification is also POSTed there. */
export interface Subscription {
  subscriberId: string
  authorId: string
  webhookUrl: string | null
  createdAt: Date
}

export type NewSubscription = Omit<Subscription, 'createdAt'>
