import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { z } from 'zod'
import { InvalidInputError } from '../../src/errors/ripple.error.ts'
import { decodeJsonRecord } from '../../src/kafka/json-record.decoder.ts'

const schema = z.object({ id: z.string(), job: z.object({ sleep: z.number() }) }).strict()
const record = (text: string | null) => ({ value: text === null ? null : Buffer.from(text) })

/** The InvalidInputError a decode throws: its field and message. */
function refusal (text: string | null): { field: string, message: string } {
  try {
    decodeJsonRecord(schema, record(text))
  } catch (error) {
    assert.ok(error instanceof InvalidInputError, String(error))
    return { field: error.field ?? '', message: error.message }
  }
  assert.fail(`${text} was decoded`)
}

describe('decodeJsonRecord', () => {
  it('reads a JSON value through its schema', () => {
    assert.deepEqual(decodeJsonRecord(schema, record('{"id":"a","job":{"sleep":2}}')), { id: 'a', job: { sleep: 2 } })
  })

  it('refuses a tombstone and an empty value as the value', () => {
    assert.deepEqual(refusal(null), { field: 'value', message: 'a record without a value (tombstone)' })
    assert.deepEqual(refusal(''), { field: 'value', message: 'a record without a value (tombstone)' })
  })

  it('refuses text that is not JSON, saying why', () => {
    const { field, message } = refusal('{not json')
    assert.equal(field, 'value')
    assert.match(message, /^the value is not JSON: ./)
  })

  it('names the field the schema refuses under value', () => {
    const { field, message } = refusal('{"id":"a","job":{"sleep":"long"}}')
    assert.equal(field, 'value.job.sleep')
    assert.match(message, /^value\.job\.sleep: ./)
    assert.equal(refusal('{"id":"a","job":{"sleep":1},"extra":1}').field, 'value.extra')
  })

  it('names the value itself when the whole of it is wrong', () => {
    const { field, message } = refusal('[1]')
    assert.equal(field, 'value')
    assert.doesNotMatch(message, /^value/)
  })

  it('lets an error that is not about the input through unchanged', () => {
    const broken = z.string().transform(() => { throw new RangeError('a bug in a transform') })
    assert.throws(() => decodeJsonRecord(broken, record('"x"')), (error: unknown) => error instanceof RangeError && error.message === 'a bug in a transform')
  })
})
