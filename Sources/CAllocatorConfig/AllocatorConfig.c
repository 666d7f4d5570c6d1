#include "AllocatorConfig.h"

/* Read by jemalloc at start (release builds link it; glibc's malloc ignores the symbol). Two arenas and dirty pages
 * returned after a second keep the Kafka sink's peak RSS near glibc's (BENCHMARKS.md); the MALLOC_CONF environment
 * variable still overrides any of it. */
const char *malloc_conf = "narenas:2,dirty_decay_ms:1000,muzzy_decay_ms:0";

const char *binlog_sink_allocator_config(void) { return malloc_conf; }
