/* azkv.c: the azkv command (being written). */
#include "config.h"
#include "azkv.h"
#include "cli.h"
int main(void) { return 0; }
