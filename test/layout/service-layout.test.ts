// Every service's src/ against the layout rules of service-layout.ts.
import assert from 'node:assert/strict'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { layoutProblems, servicesDir } from './service-layout.ts'

describe('service layout', () => {
  const services = readdirSync(servicesDir).filter(name => statSync(join(servicesDir, name, 'src'), { throwIfNoEntry: false })?.isDirectory())

  it('finds the services', () => {
    assert.ok(services.length >= 8, `only ${services.length} services found under services/`)
  })

  for (const name of services) {
    it(`${name}: every folder and file of src/ has a known role`, () => {
      assert.deepEqual(layoutProblems(join(servicesDir, name, 'src')), [])
    })
  }
})
