/** A post as the PostCreated event describes it. */
export interface PublishedPost {
  id: number
  authorId: string
  title: string
  createdAt: Date
}

/** What post-service's outbox said happened; `eventId` is unique per event, whichever relay carried it. */
export interface PostCreatedEvent {
  eventId: string
  post: PublishedPost
}
