import type { OutboxEvent } from '@ripple/contracts'
import type { Result } from '@ripple/kit/domain'
import type { InvalidPostError } from '../entities/post.errors.ts'
import type { NewPost, Post } from '../entities/post.entity.ts'

/** Where posts live, together with the outbox of events about them. */
export interface PostRepository {
  /**
   * Stores the post and the event `eventFor` makes of it (once the store has given the post its
   * id) in one transaction: both are stored or neither is.
   */
  insertWithEvent (post: NewPost, eventFor: (stored: Post) => OutboxEvent): Promise<Result<Post, InvalidPostError>>
  findById (id: number): Promise<Post | undefined>
}
