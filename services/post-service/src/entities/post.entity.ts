/**
 * Lengths the columns hold. The transport refuses longer input, and the database refuses it
 * again inside the transaction, so neither a post nor its event is stored half-checked.
 * Counted in UTF-16 units, which are never fewer than the characters MariaDB counts.
 */
export const POST_LIMITS = { authorId: 64, title: 255, content: 10_000 } as const

export interface Post {
  id: number
  /** Whoever wrote it: a user id from elsewhere, kept as text. */
  authorId: string
  title: string
  content: string
  createdAt: Date
}

export type NewPost = Omit<Post, 'id'>
