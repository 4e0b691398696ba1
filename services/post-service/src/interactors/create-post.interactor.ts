import { randomUUID } from 'node:crypto'
import { POST_AGGREGATE, POST_CREATED } from '../entities/outbox-event.entity.ts'
import type { OutboxEvent, PostCreatedPayload } from '../entities/outbox-event.entity.ts'
import type { InvalidPostError } from '../entities/post.errors.ts'
import type { Post } from '../entities/post.entity.ts'
import type { Result } from '../entities/result.ts'
import type { PostRepository } from '../ports/post-repository.port.ts'

export interface CreatePostInput {
  authorId: string
  title: string
  content: string
}

export interface CreatePostDeps {
  posts: PostRepository
  newEventId?: () => string
  now?: () => Date
}

/** The event of a stored post: all of the post, keyed by its author. */
export function postCreatedEvent (post: Post, eventId: string): OutboxEvent {
  const payload: PostCreatedPayload = {
    id: post.id,
    authorId: post.authorId,
    title: post.title,
    content: post.content,
    createdAt: post.createdAt.toISOString()
  }
  return {
    id: eventId,
    aggregateType: POST_AGGREGATE,
    aggregateId: String(post.id),
    type: POST_CREATED,
    key: post.authorId,
    payload: JSON.stringify(payload),
    createdAt: post.createdAt
  }
}

export type CreatePost = (input: CreatePostInput) => Promise<Result<Post, InvalidPostError>>

/**
 * A post and its PostCreated event are one write: the outbox row commits with the post, so the
 * event exists exactly when the post does, whether or not Kafka is reachable right now.
 */
export function makeCreatePost ({ posts, newEventId = randomUUID, now = () => new Date() }: CreatePostDeps): CreatePost {
  return async input => posts.insertWithEvent(
    { authorId: input.authorId, title: input.title, content: input.content, createdAt: now() },
    stored => postCreatedEvent(stored, newEventId())
  )
}
