import { randomUUID } from 'node:crypto'
import { postCreatedEvent } from '@ripple/contracts'
import type { Result } from '@ripple/kit/domain'
import type { InvalidPostError } from '../entities/post.errors.ts'
import type { Post } from '../entities/post.entity.ts'
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
