import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createNanoClock, epochSeconds, formatNanoTimestamp, msFromNanos, nanosFromMs, parseNanoTimestamp } from '../../src/time/nano-time.ts'

describe('nanosecond timestamps', () => {
  it('write nine fraction digits, as Go marshals time.Time', () => {
    assert.equal(formatNanoTimestamp(1706358890594423357n), '2024-01-27T12:34:50.594423357Z')
    assert.equal(formatNanoTimestamp(1706358890000000007n), '2024-01-27T12:34:50.000000007Z')
    assert.equal(formatNanoTimestamp(0n), '1970-01-01T00:00:00.000000000Z')
  })

  it('write instants before the epoch with the second rounded down and a positive fraction', () => {
    assert.equal(formatNanoTimestamp(-1n), '1969-12-31T23:59:59.999999999Z')
    assert.equal(formatNanoTimestamp(-1_000_000n), '1969-12-31T23:59:59.999000000Z')
    assert.equal(formatNanoTimestamp(-1_500_000n), '1969-12-31T23:59:59.998500000Z')
    assert.equal(formatNanoTimestamp(-1_000_000_000n), '1969-12-31T23:59:59.000000000Z')
  })

  it('read RFC 3339 with 0 to 9 fraction digits and any offset', () => {
    assert.equal(parseNanoTimestamp('2024-01-27T12:34:50.594423357Z'), 1706358890594423357n)
    assert.equal(parseNanoTimestamp('2024-01-27T12:34:50Z'), 1706358890000000000n)
    assert.equal(parseNanoTimestamp('2024-01-27T12:34:50.5Z'), 1706358890500000000n)
    assert.equal(parseNanoTimestamp('2024-01-27t12:34:50.5z'), 1706358890500000000n)
    assert.equal(parseNanoTimestamp('2024-01-27 12:34:50Z'), 1706358890000000000n)
    assert.equal(parseNanoTimestamp('2024-01-27T14:34:50.000000001+02:00'), 1706358890000000001n)
    assert.equal(parseNanoTimestamp('2024-01-27T10:34:50-02:00'), 1706358890000000000n)
  })

  it('refuse what is not RFC 3339 or not a calendar date', () => {
    for (const text of ['', 'yesterday', '2024-01-27', '2024-01-27T12:34:50', '2024-01-27T12:34:50.1234567890Z', 'x2024-01-27T12:34:50Z', '2024-01-27T12:34:50Zx', '2024-01-27T12:34:50.Z', '2024-02-30T00:00:00Z', '2024-13-01T00:00:00Z', '2023-02-29T00:00:00Z']) {
      assert.equal(parseNanoTimestamp(text), undefined, text)
    }
    assert.equal(parseNanoTimestamp('2024-02-29T00:00:00Z'), 1709164800000000000n)
    // With an offset too, where Date.parse would roll over into the next day or month.
    for (const text of ['2024-02-30T00:00:00+01:00', '2024-01-27T24:00:00+01:00', '2024-01-27T12:34:60-02:00', '2024-01-27T12:34:50+24:00']) {
      assert.equal(parseNanoTimestamp(text), undefined, text)
    }
  })

  it('agree with Date across the calendar, before the epoch and after 2100 too', () => {
    for (const ms of [0, -1000, -62135596800000, 951782400000, 4107542400000, 1709164800000, 253402300799000]) {
      const iso = new Date(ms).toISOString().slice(0, 19)
      assert.equal(parseNanoTimestamp(`${iso}Z`), BigInt(ms) * 1_000_000n, iso)
      assert.equal(parseNanoTimestamp(`${iso}-05:30`), BigInt(ms + 330 * 60_000) * 1_000_000n, `${iso}-05:30`)
    }
  })

  it('round-trip', () => {
    for (const ns of [1706358890594423357n, 1n, 999_999_999n, 1_000_000_000n]) assert.equal(parseNanoTimestamp(formatNanoTimestamp(ns)), ns)
  })

  it('convert to whole seconds (rounded down), and to and from milliseconds', () => {
    assert.equal(epochSeconds(1706358890594423357n), 1706358890)
    assert.equal(epochSeconds(1_000_000_000n), 1)
    assert.equal(epochSeconds(-1n), -1)
    assert.equal(epochSeconds(-1_000_000_000n), -1)
    assert.equal(epochSeconds(-1_000_000_001n), -2)
    assert.equal(nanosFromMs(1.4), 1_000_000n)
    assert.equal(nanosFromMs(1.6), 2_000_000n)
    assert.equal(msFromNanos(1_234_567n), 1.234)
    assert.equal(msFromNanos(2_000_000n), 2)
  })

  it('read a clock that starts at the wall clock and never goes backwards', () => {
    const before = BigInt(Date.now()) * 1_000_000n
    const clock = createNanoClock()
    const first = clock()
    const after = BigInt(Date.now() + 1) * 1_000_000n
    assert.ok(first >= before && first <= after, `${first} within [${before}, ${after}]`)
    let last = first
    for (let i = 0; i < 1000; i++) {
      const next = clock()
      assert.ok(next >= last)
      last = next
    }
    assert.ok(last > first)
  })
})
