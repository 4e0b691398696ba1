// Topic names live in the catalogue (packages/contracts/src/topics.catalogue.ts): a service that
// spells one out in a string literal drifts from it unseen, and the ACLs, KafkaTopic resources and
// AsyncAPI document no longer describe what it does.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { CATALOGUE, DLQ_SUFFIX, OUTBOX_TOPIC_PREFIX } from '@ripple/contracts'

const known = new Set(CATALOGUE.flatMap(t => [t.name, `${t.name}${DLQ_SUFFIX}`]))

/** Whether a literal's text names a topic: one of the catalogue's, a dead-letter topic, an outbox route, or anything called `*-topic`/`*_topic`. */
export function namesTopic (text: string): boolean {
  return known.has(text) || text.startsWith(OUTBOX_TOPIC_PREFIX) || /^[A-Za-z0-9._-]+[-_]topic$/.test(text) || /^[A-Za-z0-9._-]+\.dlq$/.test(text)
}

// Quoted text on one line; a template literal's `${…}` parts are left in, so they never equal a topic.
const LITERAL = /'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`/g

/** Every topic named by a literal in the .ts files under dir: `path:line: 'topic'`. */
export function topicLiterals (dir: string, root: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) { found.push(...topicLiterals(path, root)); continue }
    if (!entry.endsWith('.ts')) continue
    readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
      // Comments may name topics: they explain, and nothing reads its topic from them.
      const code = line.replace(/^\s*(\/\/|\*|\/\*).*$/, '').replace(/\s\/\/\s.*$/, '')
      for (const m of code.matchAll(LITERAL)) {
        const text = m[1] ?? m[2] ?? m[3] ?? ''
        if (namesTopic(text)) found.push(`${relative(root, path)}:${i + 1}: '${text}'`)
      }
    })
  }
  return found
}
