#include "CKafkaShims.h"

rd_kafka_resp_err_t ckafka_produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt, const void *value, size_t value_size,
                                   const void *key, size_t key_size, rd_kafka_headers_t *headers) {
    if (headers != NULL) {
        return rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE((void *)value, value_size),
                                 RD_KAFKA_V_KEY(key, key_size), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
    }
    return rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE((void *)value, value_size),
                             RD_KAFKA_V_KEY(key, key_size), RD_KAFKA_V_END);
}

rd_kafka_resp_err_t ckafka_produce_record(rd_kafka_t *rk, rd_kafka_topic_t *rkt, const void *value,
                                          size_t value_size, const void *key, size_t key_size, const char *op,
                                          const void *dedup_key, size_t dedup_key_size, const void *gtid,
                                          size_t gtid_size, const void *position, size_t position_size) {
    if (gtid != NULL) {
        return rd_kafka_producev(
            rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE((void *)value, value_size),
            RD_KAFKA_V_KEY(key, key_size), RD_KAFKA_V_HEADER("op", op, -1),
            RD_KAFKA_V_HEADER("key", dedup_key, (ssize_t)dedup_key_size),
            RD_KAFKA_V_HEADER("gtid", gtid, (ssize_t)gtid_size),
            RD_KAFKA_V_HEADER("position", position, (ssize_t)position_size), RD_KAFKA_V_END);
    }
    return rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE((void *)value, value_size),
                             RD_KAFKA_V_KEY(key, key_size), RD_KAFKA_V_HEADER("op", op, -1),
                             RD_KAFKA_V_HEADER("key", dedup_key, (ssize_t)dedup_key_size),
                             RD_KAFKA_V_HEADER("position", position, (ssize_t)position_size), RD_KAFKA_V_END);
}

int ckafka_runtime_version(void) { return rd_kafka_version(); }
