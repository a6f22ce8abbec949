/* doctor.c: azkv doctor (being written). */
#include "config.h"
#include "azkv.h"
#include "cli.h"
int cmd_doctor(struct azkv *ctx, int argc, char **argv) { return 0; }
