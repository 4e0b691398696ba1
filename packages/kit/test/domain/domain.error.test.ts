import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DomainError } from '../../src/domain/domain.error.ts'

test('a DomainError carries its code, whether it may pass, the field at fault and its cause', () => {
  class QuotaError extends DomainError<'QUOTA'> {}
  const cause = new Error('disk full')
  const error = new QuotaError('QUOTA', 'over quota', { canRetry: true, field: 'size', cause })
  assert.equal(error.name, 'QuotaError')
  assert.equal(error.message, 'over quota')
  assert.equal(error.code, 'QUOTA')
  assert.equal(error.canRetry, true)
  assert.equal(error.field, 'size')
  assert.equal(error.cause, cause)
  const plain = new DomainError('GONE', 'gone')
  assert.equal(plain.canRetry, false)
  assert.equal(plain.field, undefined)
  assert.equal(plain.cause, undefined)
})
