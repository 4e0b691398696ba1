import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { binToUuid, uuidToBin } from '../../src/adapters/uuid.codec.ts'

describe('uuid <-> BINARY(16)', () => {
  it('packs the 32 hex digits into 16 bytes in order and back', () => {
    const id = '0f1e2d3c-4b5a-4697-8877-665544332211'
    const bin = uuidToBin(id)
    assert.equal(bin.length, 16)
    assert.equal(bin.toString('hex'), '0f1e2d3c4b5a46978877665544332211')
    assert.equal(binToUuid(bin), id)
  })

  it('answers lower case whatever case came in', () => {
    assert.equal(binToUuid(uuidToBin('0F1E2D3C-4B5A-4697-8877-665544332211')), '0f1e2d3c-4b5a-4697-8877-665544332211')
  })
})
