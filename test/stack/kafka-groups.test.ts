import assert from 'node:assert/strict'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { after, describe, test } from 'node:test'
import { execa } from 'execa'
import { loadStackConfig } from '@ripple/stack'
import { deleteTopics, unique } from '@ripple/testing'

const config = loadStackConfig()
const ripple = join(config.repoRoot, 'ripple')
const run = async (args: string[], input?: string) => await execa(ripple, args, { reject: false, ...(input === undefined ? {} : { input }) })
const kafka = async (args: string[], input?: string) => {
  const done = await run(['kafka', ...args], input)
  assert.equal(done.exitCode, 0, `kafka ${args.join(' ')}: ${done.stderr}`)
  return done.stdout
}
const json = async <T>(args: string[]): Promise<T> => JSON.parse(await kafka([...args, '--json'])) as T

interface Step { partition: number, current: string | null, offset: string }
interface Group { state: string, members: { id: string }[], offsets: { partition: number, committed: string | null }[] }
const committedOf = async (group: string) => (await json<Group>(['group', 'describe', group])).offsets.map(o => ({ partition: o.partition, committed: o.committed }))
const groupIds = async () => (await json<{ id: string }[]>(['groups'])).map(g => g.id)

const topic = unique('it.groups.')
after(() => deleteTopics([topic]))

describe('./ripple kafka group', () => {
  test('setup: a topic of 3 partitions with 30 records', async () => {
    await kafka(['topic', 'create', topic, '--partitions', '3'])
    await kafka(['produce', topic], Array.from({ length: 30 }, (_, i) => `record ${i}`).join('\n'))
  })

  test('describe of an unknown group exits non-zero with "no such group"', async () => {
    const missing = unique('it-groups-missing-')
    const described = await run(['kafka', 'group', 'describe', missing])
    assert.equal(described.exitCode, 1)
    assert.match(described.stderr, new RegExp(`no such group: ${missing}`))
    assert.equal(described.stdout, '')
  })

  test('consume without --group and dlq list leave no consumer group behind; consume with no start flag says how to read', async () => {
    const before = new Set(await groupIds())
    const fromStart = await run(['kafka', 'consume', topic, '--from-beginning', '--json'])
    assert.equal(fromStart.stdout.split('\n').filter(l => l.startsWith('{')).length, 30)
    const nothingNew = await run(['kafka', 'consume', topic])
    assert.equal(nothingNew.exitCode, 0)
    assert.match(nothingNew.stderr, /0 record\(s\)[\s\S]*--from-beginning[\s\S]*--follow/)
    assert.equal((await run(['dlq', 'list', topic, '--json'])).exitCode, 0)
    const left = (await groupIds()).filter(id => !before.has(id) && /^ripple-(kafka-consume|dlq)-/.test(id))
    assert.deepEqual(left, [], 'no throw-away group left')
  })

  test('reset: a dry run changes no offset; the real reset then changes exactly what the dry run printed', async () => {
    const group = unique('it-groups-reset-')
    await kafka(['group', 'reset', group, '--topic', topic, '--to-latest'])
    const atLatest = await committedOf(group)
    assert.equal(atLatest.reduce((sum, o) => sum + Number(o.committed), 0), 30)

    for (const target of [['--shift-by', '-4'], ['--to-offset', '2'], ['--to-datetime', '2000-01-01T00:00:00Z']]) {
      const before = await committedOf(group)
      const dry = await json<Step[]>(['group', 'reset', group, '--topic', topic, ...target, '--dry-run'])
      assert.deepEqual(await committedOf(group), before, `${target.join(' ')} --dry-run changed no offset`)
      assert.deepEqual(dry.map(s => ({ partition: s.partition, committed: s.current })), before, 'the plan starts from the committed offsets')
      const text = await run(['kafka', 'group', 'reset', group, '--topic', topic, ...target, '--dry-run'])
      for (const s of dry) assert.match(text.stdout, new RegExp(`${topic.replaceAll('.', '\\.')}\\s+${s.partition}\\s+${s.current ?? '-'}\\s+${s.offset}`), 'printed per partition: current and new')
      assert.match(text.stderr, /dry run: nothing changed/)
      assert.deepEqual(await committedOf(group), before, 'still nothing changed')

      const applied = await json<Step[]>(['group', 'reset', group, '--topic', topic, ...target])
      assert.deepEqual(applied, dry, 'the real run prints the plan the dry run printed')
      assert.deepEqual(await committedOf(group), dry.map(s => ({ partition: s.partition, committed: s.offset })), `${target.join(' ')} applied exactly the plan`)
    }
  })

  test('delete refuses a group with members, naming them, then deletes it once they are gone', async () => {
    const group = unique('it-groups-delete-')
    await kafka(['group', 'reset', group, '--topic', topic, '--to-earliest'])
    const follower = execa(ripple, ['kafka', 'consume', topic, '--group', group, '--follow'], { reject: false })
    try {
      let described: Group | undefined
      for (let i = 0; i < 60; i++) {
        described = await json<Group>(['group', 'describe', group])
        if (described.members.length > 0) break
        await delay(500)
      }
      const member = described?.members[0]?.id
      assert.ok(member, 'the follower joined')
      const refused = await run(['kafka', 'group', 'delete', group])
      assert.equal(refused.exitCode, 1)
      assert.ok(refused.stderr.includes(member), `names its member: ${refused.stderr}`)
      assert.match(refused.stderr, /has 1 member\(s\).*stop its consumers first/)
      const refusedReset = await run(['kafka', 'group', 'reset', group, '--topic', topic, '--to-latest', '--dry-run'])
      assert.equal(refusedReset.exitCode, 1, 'a dry run is refused too, as Kafka\'s tool does')
    } finally {
      follower.kill('SIGINT')
      await follower
    }
    await kafka(['group', 'delete', group])
    assert.ok(!(await groupIds()).includes(group))
    const gone = await run(['kafka', 'group', 'describe', group])
    assert.equal(gone.exitCode, 1)
    assert.match(gone.stderr, /no such group/)
  })
})
