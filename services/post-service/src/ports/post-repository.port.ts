import type { OutboxEvent } from '../entities/outbox-event.entity.ts'
import type { InvalidPostError } from '../entities/post.errors.ts'
import type { NewPost, Post } from '../entities/post.entity.ts'
import type { Result } from '../entities/result.ts'

/** Where posts live, together with the outbox of events about them. */
export interface PostRepository {
  /**
   * Stores the post and the event `eventFor` makes of it (once the store has given the post its
   * id) in one transaction: both are stored or neither is.
   */
  insertWithEvent (post: NewPost, eventFor: (stored: Post) => OutboxEvent): Promise<Result<Post, InvalidPostError>>
  findById (id: number): Promise<Post | undefined>
}
