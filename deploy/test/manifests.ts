import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse, parseAllDocuments } from 'yaml'
import type { K8sObject } from '../src/k8s.ts'

// The committed manifests, as a user's docker compose and kubectl read them (YAML 1.1, as theirs).
export const deployDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')

export function composeDocument (): Record<string, unknown> {
  return parse(readFileSync(join(deployDir, 'compose', 'compose.yaml'), 'utf8'), { version: '1.1' }) as Record<string, unknown>
}

export interface ComposeService {
  image?: string
  build?: unknown
  environment?: Record<string, string>
  ports?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
  volumes?: string[]
  command?: string[]
}

export function composeServices (): Record<string, ComposeService> {
  return composeDocument().services as Record<string, ComposeService>
}

let parsed: { file: string, object: K8sObject }[] | undefined

/** Every object of deploy/k8s/*.yaml, with the file it came from (parsed once; tests copy before they change one). */
export function k8sObjects (): { file: string, object: K8sObject }[] {
  parsed ??= readK8sObjects()
  return parsed
}

function readK8sObjects (): { file: string, object: K8sObject }[] {
  const dir = join(deployDir, 'k8s')
  return readdirSync(dir).filter(f => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort().flatMap(file =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8'), { version: '1.1' }).map(doc => {
      if (doc.errors.length > 0) throw new Error(`deploy/k8s/${file}: ${doc.errors[0]?.message}`)
      return { file, object: doc.toJS() as K8sObject }
    }))
}

export const ofKind = (kind: string): K8sObject[] => k8sObjects().map(o => o.object).filter(o => o.kind === kind)
export const named = (kind: string, name: string): K8sObject | undefined => ofKind(kind).find(o => o.metadata.name === name)

/** The one container of a Deployment, StatefulSet or Job. */
export function containerOf (workload: K8sObject): Record<string, unknown> & { name: string, env?: { name: string, value?: string, valueFrom?: { secretKeyRef?: { name: string, key: string } } }[] } {
  const spec = workload.spec as { template: { spec: { containers: (Record<string, unknown> & { name: string })[] } } }
  const container = spec.template.spec.containers[0]
  if (!container) throw new Error(`${workload.kind} ${workload.metadata.name} has no container`)
  return container
}

/** A deep copy to break in a negative test. */
export const copy = <T>(value: T): T => structuredClone(value)
