// The operations the CLI (stack/) and the web console (console/) share, by area. Each takes the
// caller's own settings: a KafkaAccess for Kafka, a ConnectTarget for Kafka Connect.
export { OperationError } from './errors.ts'
export type { KafkaAccess, KafkaSasl, KafkaTarget } from './kafka/kafka.target.ts'

// Topics and their records.
export { changeOf, consume, createTopic, deleteTopic, describeTopic, listTopics, parseHeader, produce, sinceMs, topicConfigs } from './kafka/kafka.operations.ts'
export type { ConsumedRecord, ConsumeOptions, TopicDescription, TopicSummary } from './kafka/kafka.operations.ts'
export { TopicRangeReader } from './kafka/topic-range.reader.ts'
export type { PartitionBounds } from './kafka/topic-range.reader.ts'
export { FILTER_WINDOW, newestRecords } from './kafka/newest-records.query.ts'
export type { NewestPage, NewestQuery } from './kafka/newest-records.query.ts'

// Consumer groups.
export { deleteGroup, describeGroup, listGroups, planReset, resetGroup } from './kafka/kafka.operations.ts'
export type { GroupDescription, GroupSummary, ResetInputs, ResetStep, ResetTarget } from './kafka/kafka.operations.ts'

// Dead letters and their replay.
export { listDeadLetters, replayDeadLetters, REPLAYED_FROM_HEADER, REPLAYS_TOPIC } from './dlq/dlq.operations.ts'
export type { DeadLetter, Replayed, ReplaySelection } from './dlq/dlq.operations.ts'

// Topic contracts: what a topic promises and whether its newest records keep it.
export { checkNewestRecords, conformance, contractView, describeConformance, newestConformance } from './contracts/topic-contract.view.ts'
export type { Conformance, ContractView } from './contracts/topic-contract.view.ts'

// Kafka Connect's REST API.
export { applyConnector, connectFetch, connectorState, controlConnector, deleteConnector, listConnectorStates, restartIfFailed, sourcePositionLost, waitForConnector } from './connect/connect.client.ts'
export type { ConnectorAction, ConnectorDefinition, ConnectorState, ConnectTarget, WaitForConnectorOptions } from './connect/connect.client.ts'
