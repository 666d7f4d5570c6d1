#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>

#include "FileIO.h"

int cfileio_start_writeback(int fd, long long offset, long long length) {
#ifdef __linux__
    return sync_file_range(fd, (off_t)offset, (off_t)length, SYNC_FILE_RANGE_WRITE) == 0 ? 0 : errno;
#else
    (void)fd;
    (void)offset;
    (void)length;
    return 0;
#endif
}
