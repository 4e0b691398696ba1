-- The job pipeline's ClickHouse side (seed 003): the converter writes one CSV line per message
-- to clickhouse-topic, `id,create|finish,<RFC 3339 time>`; the Kafka engine reads it and the
-- materialized view inserts each line into `jobs`. Applied by ./ripple up on every start, so every
-- statement is idempotent. A view or Kafka table changed here replaces a running one only once it
-- is dropped (DROP TABLE jobs_mv; DROP TABLE jobs_kafka) or the stack is purged.

-- ClickHouse 18.16 reads Kafka through Debian's librdkafka 2.0, which speaks Kafka 4.1's
-- protocol versions. '\n' between messages, so lines without a trailing newline never merge.
CREATE TABLE IF NOT EXISTS jobs_kafka (
    id String,
    status String,
    timestamp String
) ENGINE = Kafka SETTINGS
    kafka_broker_list = '${RIPPLE_KAFKA_BOOTSTRAP}',
    kafka_topic_list = 'clickhouse-topic',
    kafka_group_name = 'clickhouse',
    kafka_format = 'CSV',
    kafka_row_delimiter = '\n',
    kafka_num_consumers = 1;

-- The engine commits offsets after the insert, so a crash in between inserts a block again:
-- ReplacingMergeTree keyed by (id, status) keeps one row per job and status (read with FINAL),
-- the last one written, as the JDBC sink's upsert does in PostgreSQL.
CREATE TABLE IF NOT EXISTS jobs (
    id String,
    status String,
    timestamp DateTime
) ENGINE = ReplacingMergeTree()
ORDER BY (id, status);

-- 18.16 cannot insert the Nullable result of ...OrNull into DateTime, so ...OrZero, and lines
-- no job can have (another status, an unreadable time) stay out.
CREATE MATERIALIZED VIEW IF NOT EXISTS jobs_mv
TO jobs
(
    id String,
    status String,
    timestamp DateTime
)
AS
SELECT
    id,
    status,
    parseDateTimeBestEffortOrZero(timestamp) AS timestamp
FROM jobs_kafka
WHERE status IN ('create', 'finish') AND timestamp > toDateTime(0);
