#ifndef BINLOG_SINK_ALLOCATOR_CONFIG_H
#define BINLOG_SINK_ALLOCATOR_CONFIG_H
/* jemalloc's compiled-in options (release builds link jemalloc; see Package.swift). */
const char *binlog_sink_allocator_config(void);
#endif
