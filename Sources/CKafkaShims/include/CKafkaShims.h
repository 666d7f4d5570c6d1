#ifndef CKAFKASHIMS_H
#define CKAFKASHIMS_H
#include <librdkafka/rdkafka.h>
/// Placeholder: the Kafka sink's C helpers go here.
int ckafka_shims_version(void);
#endif
