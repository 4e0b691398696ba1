// Domain errors are values interactors return; transport decides what they mean in HTTP.

export class PostNotFoundError extends Error {
  readonly code = 'POST_NOT_FOUND'
  readonly id: number

  constructor (id: number) {
    super(`no post with id ${id}`)
    this.name = 'PostNotFoundError'
    this.id = id
  }
}

/** A post the store would not take (a field longer than its column); nothing of it was stored. */
export class InvalidPostError extends Error {
  readonly code = 'INVALID_POST'
  readonly field: string

  constructor (field: string, message: string) {
    super(message)
    this.name = 'InvalidPostError'
    this.field = field
  }
}
