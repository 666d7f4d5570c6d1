#ifndef BINLOG_SINK_FILE_IO_H
#define BINLOG_SINK_FILE_IO_H

/// Starts writing back the dirty pages of bytes [offset, offset + length) of `fd` without waiting for the disk
/// (Linux `sync_file_range(SYNC_FILE_RANGE_WRITE)`, which Swift's Glibc module does not export). Returns 0 or the
/// errno of the failure; where the call does not exist, does nothing and returns 0. Durability still needs fsync.
int cfileio_start_writeback(int fd, long long offset, long long length);

#endif
