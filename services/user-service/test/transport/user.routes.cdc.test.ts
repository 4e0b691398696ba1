// Against the stack: the running user-service (database userdata, captured by Debezium into
// cdc.table.userdata.users). A PATCH with no real change writes nothing, so no change event.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { callJson, readTopic, signIn, topicEndOffsets } from '@ripple/testing'
import type { ReadRecord } from '@ripple/testing'

const TOPIC = 'cdc.table.userdata.users'
const userService = process.env.USER_SERVICE_URL ?? 'http://127.0.0.1:8085'

interface Row { username?: string, fullName?: string | null, passwordChangedAt?: unknown }
/** The row after a change, as Debezium's JSON converter wrote it (with or without the schema envelope). */
function after (record: ReadRecord): Row | undefined {
  if (!record.value) return undefined
  // Other tests put poison records on this topic on purpose (test/e2e/dlq-replay): not ours, skipped.
  let value: { payload?: { after?: Row }, after?: Row }
  try { value = JSON.parse(record.value) } catch { return undefined }
  return (value.payload ?? value).after ?? undefined
}

describe('no-op PATCH on the stack', () => {
  it('a PATCH with the stored values emits no change event; the next real change does', async () => {
    const tag = randomBytes(5).toString('hex')
    const input = { username: `noop-${tag}`, email: `noop-${tag}@example.test`, password: 'noop-password', fullName: 'First' }
    const created = await callJson(`${userService}/users`, 'POST', input)
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const token = await signIn(userService, { username: input.username }, input.password)
    const path = `${userService}/users/${created.body.id}`
    const mine = (records: ReadRecord[]) => records.map(after).filter(row => row?.username === input.username)

    // The create's event is on the topic before the offsets are taken, so nothing of it comes after.
    await readTopic(TOPIC, records => mine(records).length >= 1, 120_000)
    const from = await topicEndOffsets(TOPIC)

    const same = { username: input.username, email: input.email, fullName: 'First' }
    for (const body of [same, {}, { password: input.password, currentPassword: input.password }]) {
      const res = await callJson(path, 'PATCH', body, { token })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.deepEqual(res.body, created.body, 'nothing changed, lastUpdated included')
    }
    const marker = await callJson(path, 'PATCH', { fullName: 'Second' }, { token })
    assert.equal(marker.status, 200)
    assert.ok(marker.body.lastUpdated > created.body.lastUpdated)

    const records = await readTopic(TOPIC, rs => mine(rs).some(row => row?.fullName === 'Second'), 120_000, from)
    assert.deepEqual(mine(records).map(row => row?.fullName), ['Second'], 'the only event after the create is the real change')

    assert.equal((await callJson(path, 'DELETE', undefined, { token })).status, 204)
  })
})
