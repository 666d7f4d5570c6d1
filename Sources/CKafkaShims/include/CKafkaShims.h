#ifndef CKAFKASHIMS_H
#define CKAFKASHIMS_H
#include <stddef.h>
#include <stdint.h>
#include <librdkafka/rdkafka.h>
// The mock cluster (fault injection for tests): Debian's librdkafka-dev ships this header and the library exports
// its functions. The variadic rd_kafka_mock_push_request_errors has an array form Swift can call.
#include <librdkafka/rdkafka_mock.h>

/// The request type of a Produce request (Kafka's ApiKey 0), for rd_kafka_mock_push_request_errors_array.
#define CKAFKA_API_KEY_PRODUCE ((int16_t)0)

/// rd_kafka_producev without variadic arguments: one message to any partition (the partitioner picks it from the
/// key), its bytes copied (RD_KAFKA_MSG_F_COPY), so the caller's buffers may be reused at once.
///
/// value NULL makes a tombstone (a null value). key NULL sends no key. headers may be NULL; on success librdkafka
/// owns them, on failure the caller still does (and may retry with them after RD_KAFKA_RESP_ERR__QUEUE_FULL).
rd_kafka_resp_err_t ckafka_produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt, const void *value, size_t value_size,
                                   const void *key, size_t key_size, rd_kafka_headers_t *headers);

/// ckafka_produce for a change record, its headers passed as bytes (librdkafka builds the header list; nothing to
/// free on failure): `op` (NUL-terminated), `key` (the de-duplication key), `gtid` (left out when NULL) and
/// `position`. Bytes are copied.
rd_kafka_resp_err_t ckafka_produce_record(rd_kafka_t *rk, rd_kafka_topic_t *rkt, const void *value,
                                          size_t value_size, const void *key, size_t key_size, const char *op,
                                          const void *dedup_key, size_t dedup_key_size, const void *gtid,
                                          size_t gtid_size, const void *position, size_t position_size);

/// The request types the transaction tests inject errors into (Kafka's ApiKeys).
#define CKAFKA_API_KEY_ADD_PARTITIONS_TO_TXN ((int16_t)24)
#define CKAFKA_API_KEY_END_TXN ((int16_t)26)
#define CKAFKA_API_KEY_INIT_PRODUCER_ID ((int16_t)22)

/// The runtime library's version (rd_kafka_version), e.g. 0x020002ff for 2.0.2.
int ckafka_runtime_version(void);

#endif
