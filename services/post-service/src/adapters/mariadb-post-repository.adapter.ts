import { err, ok } from '@ripple/kit/domain'
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import { InvalidPostError } from '../entities/post.errors.ts'
import type { Post } from '../entities/post.entity.ts'
import type { PostRepository } from '../ports/post-repository.port.ts'

interface PostRow extends RowDataPacket {
  id: number
  author_id: string
  title: string
  content: string
  created_at: Date
}

const toPost = (row: PostRow): Post => ({ id: Number(row.id), authorId: row.author_id, title: row.title, content: row.content, createdAt: row.created_at })

// The request field each column holds; outbox columns name the post field they copy.
const FIELD_OF_COLUMN: Record<string, string> = { author_id: 'authorId', event_key: 'authorId', title: 'title', content: 'content' }

/** The domain error for a value its column cannot hold, or undefined for any other failure. */
function tooLongOf (e: unknown): InvalidPostError | undefined {
  const { code, sqlMessage } = e as { code?: string, sqlMessage?: string }
  if (code !== 'ER_DATA_TOO_LONG') return undefined
  // "Data too long for column 'title' at row 1"
  const column = /for column '([^']+)'/.exec(sqlMessage ?? '')?.[1] ?? ''
  const field = FIELD_OF_COLUMN[column] ?? 'body'
  return new InvalidPostError(field, `${field} is longer than the store holds`)
}

export function createMariaDbPostRepository (pool: Pool): PostRepository {
  return {
    async insertWithEvent (post, eventFor) {
      const conn = await pool.getConnection()
      let healthy = true
      try {
        // Two round trips instead of four: the transaction opens with the post's INSERT, and the
        // outbox row goes with the COMMIT. A statement that fails stops the rest of its round trip,
        // so a failed INSERT never reaches the COMMIT, and the rollback below undoes the post.
        const [opened] = await conn.query<ResultSetHeader[]>(
          'START TRANSACTION; INSERT INTO posts (author_id, title, content, created_at) VALUES (?, ?, ?, ?)',
          [post.authorId, post.title, post.content, post.createdAt]
        )
        const stored: Post = { id: opened[1]!.insertId, ...post }
        const event = eventFor(stored)
        await conn.query(
          'INSERT INTO outbox (id, aggregatetype, aggregateid, type, event_key, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?); COMMIT',
          [event.id, event.aggregateType, event.aggregateId, event.type, event.key, event.payload, event.createdAt]
        )
        return ok(stored)
      } catch (e) {
        // A connection whose rollback failed is in an unknown state: it is closed, not reused.
        await conn.rollback().catch(() => { healthy = false })
        const tooLong = tooLongOf(e)
        if (tooLong) return err(tooLong)
        throw e
      } finally {
        if (healthy) conn.release()
        else conn.destroy()
      }
    },

    async findById (id) {
      const [rows] = await pool.query<PostRow[]>('SELECT id, author_id, title, content, created_at FROM posts WHERE id = ?', [id])
      return rows[0] ? toPost(rows[0]) : undefined
    }
  }
}
