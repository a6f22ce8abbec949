/* secret.c: (being written) */
#include "config.h"
#include "azkv-int.h"
