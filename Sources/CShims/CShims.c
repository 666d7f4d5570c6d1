#include <stddef.h>
#include "CShims.h"

int cshims_library_init(void) { return mysql_library_init(0, NULL, NULL); }
