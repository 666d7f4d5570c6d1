import CDCCore

// The Kafka sink (librdkafka) lives in this module.
