#include "CKafkaShims.h"
int ckafka_shims_version(void) { return rd_kafka_version(); }
