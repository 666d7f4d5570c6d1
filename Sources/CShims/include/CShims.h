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

/* Reads the next packet of the connection (mysql_net_read_packet) and says where it is: *data points into the
   connection's read buffer, valid until the next read. Returns the length, or packet_error ((unsigned int)-1) on a
   read error or an error packet (the connection's error says which). */
unsigned long cshims_read_packet(MYSQL *mysql, const unsigned char **data);

/* Gives back the memory of the connection's read buffer after a large packet: Connector/C grows the buffer to the
   largest packet read (a 64 MiB rows event leaves a 64 MiB buffer behind for the life of the connection) and never
   shrinks it. Shrinks it to `length` bytes when it is larger than `threshold`; only between packets and only without
   the compressed protocol (whose buffer can hold the start of the next packet). Returns 1 when it shrank. */
int cshims_net_shrink(MYSQL *mysql, size_t threshold, size_t length);

#endif
