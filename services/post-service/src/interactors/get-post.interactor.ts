import { PostNotFoundError } from '../entities/post.errors.ts'
import type { Post } from '../entities/post.entity.ts'
import { err, ok } from '@ripple/kit/domain'
import type { Result } from '@ripple/kit/domain'
import type { PostRepository } from '../ports/post-repository.port.ts'

export type GetPost = (id: number) => Promise<Result<Post, PostNotFoundError>>

export function makeGetPost ({ posts }: { posts: PostRepository }): GetPost {
  return async id => {
    const post = await posts.findById(id)
    return post ? ok(post) : err(new PostNotFoundError(id))
  }
}
