import { DomainError } from '@ripple/kit/domain'

// Domain errors are values interactors return; transport decides what they mean in HTTP.

export type PostErrorCode = 'POST_NOT_FOUND' | 'INVALID_POST'

export class PostNotFoundError extends DomainError<PostErrorCode> {
  readonly id: number

  constructor (id: number) {
    super('POST_NOT_FOUND', `no post with id ${id}`, { field: 'id' })
    this.id = id
  }
}

/** A post the store would not take (a field longer than its column); nothing of it was stored. */
export class InvalidPostError extends DomainError<PostErrorCode> {
  declare readonly field: string

  constructor (field: string, message: string) {
    super('INVALID_POST', message, { field })
  }
}
