// Whether a topic's schema may change: Confluent Schema Registry's BACKWARD rule (a consumer on the
// new schema still reads every record written under the released one), checked against the JSON
// Schemas committed under contracts/released/ rather than a registry we cannot run. A deliberate
// break goes to a new topic (`…v2`) or is listed, with its reason, in contracts/overrides.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { jsonSchemaOf } from './asyncapi.document.ts'
import type { TopicConsumer, TopicContract } from './topic.contract.ts'
import { partyName } from './topic.contract.ts'

type JsonSchema = Record<string, unknown>

export type ChangeKind = 'removed' | 'renamed' | 'type-changed' | 'values-narrowed' | 'constraint-narrowed' | 'required-added' | 'made-required' | 'added-optional' | 'topic-added' | 'topic-removed'

export interface SchemaChange {
  /** `value.after.email`, `key`, `headers.id`. */
  readonly path: string
  readonly kind: ChangeKind
  readonly breaking: boolean
  readonly detail: string
}

/** A released topic as contracts/released/<topic>.json holds it. */
export interface ReleasedTopic {
  readonly topic: string
  readonly key: JsonSchema
  readonly value: JsonSchema
  readonly headers: JsonSchema
  readonly consumers: readonly TopicConsumer[]
}

export function releasedTopicOf (topic: TopicContract): ReleasedTopic {
  return { topic: topic.name, key: jsonSchemaOf(topic.key.schema), value: jsonSchemaOf(topic.value.schema), headers: jsonSchemaOf(topic.headers), consumers: topic.consumers }
}

const asSchema = (v: unknown): JsonSchema => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as JsonSchema : {})

/** A schema's alternatives: anyOf/oneOf members and each type of a `type: [..]` list, one type each. */
function variants (schema: JsonSchema): JsonSchema[] {
  const union = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined
  if (Array.isArray(union)) return union.flatMap(s => variants(asSchema(s)))
  if (Array.isArray(schema.type)) return (schema.type as string[]).map(type => ({ ...schema, type }))
  return [schema]
}

/** The JSON type a variant accepts: `any` for `{}`, `never` for `not: {}`. */
function typeOf (variant: JsonSchema): string {
  if (typeof variant.type === 'string') return variant.type
  if ('not' in variant && Object.keys(asSchema(variant.not)).length === 0) return 'never'
  if ('const' in variant) return variant.const === null ? 'null' : typeof variant.const === 'number' ? 'number' : typeof variant.const
  if (Array.isArray(variant.enum)) return 'enum'
  return 'any'
}

const describeTypes = (types: string[]) => types.length === 0 ? 'nothing' : types.join(' | ')

/** Values a variant is limited to (enum, const), or undefined when any of its type goes. */
function allowedValues (variant: JsonSchema): unknown[] | undefined {
  if ('const' in variant) return [variant.const]
  if (Array.isArray(variant.enum)) return variant.enum as unknown[]
  return undefined
}

const accepts = (current: string[], type: string) =>
  type === 'never' || current.includes('any') || current.includes(type) || (type === 'integer' && current.includes('number'))

/**
 * What changed from the released schema to the current one at `path`, and whether a consumer on
 * the current schema could still read every record of the released one.
 */
export function compareSchemas (released: JsonSchema, current: JsonSchema, path: string): SchemaChange[] {
  const changes: SchemaChange[] = []
  const before = variants(released)
  const after = variants(current)
  const beforeTypes = [...new Set(before.map(typeOf))]
  const afterTypes = [...new Set(after.map(typeOf))]
  const lost = beforeTypes.filter(t => !accepts(afterTypes, t))
  if (lost.length > 0) {
    changes.push({ path, kind: 'type-changed', breaking: true, detail: `type ${describeTypes(beforeTypes)} → ${describeTypes(afterTypes)}: records holding ${describeTypes(lost)} would be refused` })
    return changes
  }
  for (const was of before) {
    const type = typeOf(was)
    const now = after.find(v => typeOf(v) === type) ?? after.find(v => typeOf(v) === 'any' || (type === 'integer' && typeOf(v) === 'number'))
    if (!now) continue
    const oldValues = allowedValues(was)
    const newValues = allowedValues(now)
    if (newValues !== undefined) {
      const dropped = oldValues === undefined ? ['(any value)'] : oldValues.filter(v => !newValues.some(n => JSON.stringify(n) === JSON.stringify(v)))
      if (dropped.length > 0) changes.push({ path, kind: 'values-narrowed', breaking: true, detail: `no longer takes ${dropped.map(v => JSON.stringify(v)).join(', ')}` })
    }
    const narrowed = narrowedConstraints(was, now)
    if (narrowed.length > 0) changes.push({ path, kind: 'constraint-narrowed', breaking: true, detail: `narrower: ${narrowed.join(', ')}` })
    if (type === 'object') changes.push(...compareObjects(was, now, path))
    if (type === 'array' && was.items && now.items) changes.push(...compareSchemas(asSchema(was.items), asSchema(now.items), `${path}[]`))
  }
  return changes
}

/**
 * Limits the current schema sets that the released one did not, as Confluent's JSON Schema rules
 * count them: a lower maximum, a higher minimum, a pattern or format added or changed.
 */
function narrowedConstraints (released: JsonSchema, current: JsonSchema): string[] {
  const found: string[] = []
  const num = (s: JsonSchema, k: string) => typeof s[k] === 'number' ? s[k] as number : undefined
  for (const k of ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems']) {
    const was = num(released, k)
    const now = num(current, k)
    if (now !== undefined && (was === undefined || now < was)) found.push(`${k} ${was ?? 'none'} → ${now}`)
  }
  for (const k of ['minLength', 'minimum', 'exclusiveMinimum', 'minItems']) {
    const was = num(released, k)
    const now = num(current, k)
    if (now !== undefined && (was === undefined || now > was)) found.push(`${k} ${was ?? 'none'} → ${now}`)
  }
  for (const k of ['pattern', 'format']) {
    if (current[k] !== undefined && current[k] !== released[k]) found.push(`${k} ${JSON.stringify(released[k] ?? null)} → ${JSON.stringify(current[k])}`)
  }
  return found
}

function compareObjects (released: JsonSchema, current: JsonSchema, path: string): SchemaChange[] {
  const changes: SchemaChange[] = []
  const oldProps = asSchema(released.properties)
  const newProps = asSchema(current.properties)
  const oldRequired = new Set((released.required ?? []) as string[])
  const newRequired = new Set((current.required ?? []) as string[])
  const at = (name: string) => path === '' ? name : `${path}.${name}`
  const removed = Object.keys(oldProps).filter(n => !(n in newProps))
  const added = Object.keys(newProps).filter(n => !(n in oldProps))
  const claimed = new Set<string>()
  for (const name of removed) {
    // A field gone and one of the same schema come in its place: most likely renamed.
    const twin = added.find(n => !claimed.has(n) && JSON.stringify(newProps[n]) === JSON.stringify(oldProps[name]))
    if (twin !== undefined) claimed.add(twin)
    changes.push(twin === undefined
      ? { path: at(name), kind: 'removed', breaking: true, detail: 'removed: consumers reading it find nothing' }
      : { path: at(name), kind: 'renamed', breaking: true, detail: `renamed to ${twin}? records written before carry ${name}` })
  }
  for (const name of added) {
    const schema = asSchema(newProps[name])
    if (newRequired.has(name) && !('default' in schema)) {
      changes.push({ path: at(name), kind: 'required-added', breaking: true, detail: 'new required field without a default: records written before lack it' })
    } else {
      changes.push({ path: at(name), kind: 'added-optional', breaking: false, detail: 'new optional field' })
    }
  }
  for (const name of Object.keys(oldProps).filter(n => n in newProps)) {
    if (newRequired.has(name) && !oldRequired.has(name) && !('default' in asSchema(newProps[name]))) {
      changes.push({ path: at(name), kind: 'made-required', breaking: true, detail: 'now required without a default: records written before may lack it' })
    }
    changes.push(...compareSchemas(asSchema(oldProps[name]), asSchema(newProps[name]), at(name)))
  }
  return changes
}

/** The consumers a change at `path` reaches: those reading that field (or one inside it, or the object holding it), or every field. */
export function affectedConsumers (consumers: readonly TopicConsumer[], path: string): TopicConsumer[] {
  if (!path.startsWith('value.')) return [...consumers]
  const field = path.slice('value.'.length).replace(/\[\]/g, '')
  return consumers.filter(c => c.reads === undefined || c.reads.some(r => r === field || r.startsWith(`${field}.`) || field.startsWith(`${r}.`)))
}

export interface TopicReport {
  readonly topic: string
  readonly changes: readonly (SchemaChange & { readonly consumers: readonly string[] })[]
  /** Some change would break a consumer. */
  readonly breaking: boolean
}

const consumerNames = (consumers: readonly TopicConsumer[]) => consumers.map(c => `${partyName(c.by)} (group ${c.group})`)

/**
 * One topic's changes since its release. A removed field no consumer reads breaks nothing; any
 * other incompatible change breaks, whoever reads it (a consumer outside the catalogue may).
 */
export function compareTopic (released: ReleasedTopic, current: TopicContract): TopicReport {
  const now = releasedTopicOf(current)
  const raw = [
    ...compareSchemas(released.key, now.key, 'key'),
    ...compareSchemas(released.value, now.value, 'value'),
    ...compareSchemas(released.headers, now.headers, 'headers')
  ]
  const changes = raw.map(change => {
    const reached = affectedConsumers(current.consumers, change.path)
    const breaking = change.breaking && !(change.kind === 'removed' && reached.length === 0)
    return { ...change, breaking, consumers: consumerNames(reached) }
  })
  return { topic: current.name, changes, breaking: changes.some(c => c.breaking) }
}

export interface Override { readonly topic: string, readonly reason: string }

export interface CatalogueCheck {
  readonly reports: readonly TopicReport[]
  /** Breaking changes without an override: the check fails. */
  readonly broken: readonly TopicReport[]
  /** Breaking changes an override lets through. */
  readonly overridden: readonly (TopicReport & { readonly reason: string })[]
  /** Compatible changes (or new topics) not yet in contracts/released/: `./ripple contracts generate` records them. */
  readonly unreleased: readonly TopicReport[]
}

export function readReleased (dir: string): ReleasedTopic[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).filter(f => f.endsWith('.json')).sort().map(f => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ReleasedTopic)
}

export function readOverrides (file: string): Override[] {
  if (!existsSync(file)) return []
  const list = JSON.parse(readFileSync(file, 'utf8')) as unknown
  if (!Array.isArray(list) || !list.every(o => typeof o?.topic === 'string' && typeof o?.reason === 'string' && o.reason.trim() !== '')) {
    throw new Error(`${file}: expected a list of {"topic": …, "reason": …}, each with a reason`)
  }
  return list as Override[]
}

/** Every topic of the catalogue against its released snapshot. */
export function checkCatalogue (topics: readonly TopicContract[], released: readonly ReleasedTopic[], overrides: readonly Override[]): CatalogueCheck {
  const byName = new Map(released.map(r => [r.topic, r]))
  const reports: TopicReport[] = topics.map(topic => {
    const old = byName.get(topic.name)
    if (!old) return { topic: topic.name, changes: [{ path: '', kind: 'topic-added' as const, breaking: false, detail: 'new topic', consumers: [] }], breaking: false }
    return compareTopic(old, topic)
  })
  for (const old of released.filter(r => !topics.some(t => t.name === r.topic))) {
    reports.push({ topic: old.topic, changes: [{ path: '', kind: 'topic-removed', breaking: true, detail: 'topic removed from the catalogue', consumers: consumerNames(old.consumers) }], breaking: true })
  }
  const reasonOf = (topic: string) => overrides.find(o => o.topic === topic)?.reason
  return {
    reports,
    broken: reports.filter(r => r.breaking && reasonOf(r.topic) === undefined),
    overridden: reports.filter(r => r.breaking && reasonOf(r.topic) !== undefined).map(r => ({ ...r, reason: reasonOf(r.topic)! })),
    unreleased: reports.filter(r => !r.breaking && r.changes.length > 0)
  }
}

/** The check's findings as lines for a person: what changed, where, and whom it breaks. */
export function describeCheck (check: CatalogueCheck): string[] {
  const lines: string[] = []
  const changeLines = (r: TopicReport) => r.changes.map(c => `    ${c.breaking ? 'BREAKS' : 'ok    '} ${c.path || r.topic}: ${c.detail}${c.breaking && c.consumers.length > 0 ? `; consumers affected: ${c.consumers.join(', ')}` : c.breaking ? '; no consumer in the catalogue reads it' : ''}`)
  for (const r of check.broken) lines.push(`${r.topic}: BACKWARD-incompatible with contracts/released/${r.topic}.json`, ...changeLines(r))
  for (const r of check.overridden) lines.push(`${r.topic}: incompatible, let through by contracts/overrides.json (${r.reason})`, ...changeLines(r))
  for (const r of check.unreleased) lines.push(`${r.topic}: compatible, not yet released`, ...changeLines(r))
  return lines
}
