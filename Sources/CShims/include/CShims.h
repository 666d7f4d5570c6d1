#ifndef BINLOG_SINK_CSHIMS_H
#define BINLOG_SINK_CSHIMS_H
/* Wrappers for what Swift cannot call in libmariadb: variadic functions and function-like macros. */
#include <stddef.h>
#include <mysql.h>
#include <mariadb_rpl.h>

/* mysql_library_init is a macro. */
int cshims_library_init(void);

/* mariadb_rpl_init is a macro. */
MARIADB_RPL *cshims_rpl_init(MYSQL *mysql);

/* mariadb_rpl_optionsv is variadic: one wrapper per option used. */
int cshims_rpl_set_filename(MARIADB_RPL *rpl, const char *name, size_t length);
int cshims_rpl_set_start(MARIADB_RPL *rpl, unsigned long position);
int cshims_rpl_set_server_id(MARIADB_RPL *rpl, unsigned int server_id);
int cshims_rpl_set_flags(MARIADB_RPL *rpl, unsigned int flags);

#endif
