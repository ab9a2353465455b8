/* Sv48 paging: see paging.h. */
#define LEVELS 4
#include "paging.h"
