// The job pipeline's records (seed 003): receiver-topic's job, processor-topic's JobDone.
