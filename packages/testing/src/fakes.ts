/**
 * In-memory stand-ins for the ports interactor unit tests need. This subpath imports nothing of
 * the stack, so a test that uses only it stays in the unit tier (`./ripple test --unit`).
 */

/** A publisher port (`publish(item)`) that records what it was given, or fails with `failWith`. */
export class RecordingPublisher<T> {
  readonly published: T[] = []
  failWith: Error | undefined

  async publish (item: T): Promise<void> {
    if (this.failWith) throw this.failWith
    this.published.push(item)
  }
}
