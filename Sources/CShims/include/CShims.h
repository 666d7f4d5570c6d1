#ifndef BINLOG_SINK_CSHIMS_H
#define BINLOG_SINK_CSHIMS_H
/* Wrappers for what Swift cannot call in libmariadb: variadic functions and function-like macros. */
#include <mysql.h>
#include <mariadb_rpl.h>

/* mysql_library_init is a macro. */
int cshims_library_init(void);

#endif
