#include <stddef.h>
#include <stdlib.h>
#include "CShims.h"

int cshims_library_init(void) { return mysql_library_init(0, NULL, NULL); }

MARIADB_RPL *cshims_rpl_init(MYSQL *mysql) { return mariadb_rpl_init(mysql); }

int cshims_rpl_set_filename(MARIADB_RPL *rpl, const char *name, size_t length) {
    return mariadb_rpl_optionsv(rpl, MARIADB_RPL_FILENAME, name, length);
}

int cshims_rpl_set_start(MARIADB_RPL *rpl, unsigned long position) {
    return mariadb_rpl_optionsv(rpl, MARIADB_RPL_START, position);
}

int cshims_rpl_set_server_id(MARIADB_RPL *rpl, unsigned int server_id) {
    return mariadb_rpl_optionsv(rpl, MARIADB_RPL_SERVER_ID, server_id);
}

int cshims_rpl_set_flags(MARIADB_RPL *rpl, unsigned int flags) {
    return mariadb_rpl_optionsv(rpl, MARIADB_RPL_FLAGS, flags);
}

unsigned long cshims_read_packet(MYSQL *mysql, const unsigned char **data) {
    unsigned long length = mysql_net_read_packet(mysql);
    *data = mysql->net.read_pos;
    return length;
}

int cshims_net_shrink(MYSQL *mysql, size_t threshold, size_t length) {
    NET *net = &mysql->net;
    if (net->compress || net->max_packet <= threshold || net->where_b != 0 || net->write_pos != net->buff ||
        net->remain_in_buf != 0) {
        return 0;
    }
    /* As Connector/C's own net_realloc sizes it: a multiple of 4096, plus room for the packet and compression
       headers. */
    size_t packet = (length + 4095) & ~(size_t)4095;
    unsigned char *buffer = realloc(net->buff, packet + 4 + 3);
    if (buffer == NULL) return 0;
    net->buff = net->write_pos = net->read_pos = buffer;
    net->buff_end = buffer + packet;
    net->max_packet = (unsigned long)packet;
    return 1;
}
