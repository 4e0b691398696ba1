// What every page is handed: its own module, so pages and the server that registers them do not import each other.
import type { Admin } from '@platformatic/kafka'
import type { StackConfig } from '@ripple/stack'
import type { LagSampler } from './kafka/lag.sampler.ts'
import type { TopicRangeReader } from '@ripple/operations'
import type { OperatorKeyCheck, SessionStore } from './operator.auth.ts'

export interface ConsoleDeps {
  config: StackConfig
  reader: TopicRangeReader
  admin: Admin
  lag: LagSampler
  sessions: SessionStore
  operatorKey: OperatorKeyCheck
}
