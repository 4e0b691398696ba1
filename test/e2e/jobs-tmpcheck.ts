import { topicEndOffsets } from '@ripple/testing'
import { postJob } from './jobs.helpers.ts'
const before = await topicEndOffsets('receiver-topic')
await postJob({ sleep: 0, data_size: 1 })
console.log(before, await topicEndOffsets('receiver-topic'))
