/* Sv39 paging: see paging.h. */
#define LEVELS 3
#include "paging.h"
