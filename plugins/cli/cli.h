/* cli.h: shared between the azkv command's files. */
#ifndef AZKV_CLI_H
#define AZKV_CLI_H
struct azkv;
int cmd_doctor(struct azkv *ctx, int argc, char **argv);
#endif
