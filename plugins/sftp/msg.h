/* msg.h: azkv-sftp's messages on stderr (errors, summaries, debug). */
#ifndef SFTP_MSG_H
#define SFTP_MSG_H

/* Set verbosity: quiet silences info, verbose enables debug lines. */
void	msg_init(int quiet, int verbose);
int	msg_quiet(void);
int	msg_verbose(void);

/* "azkv-sftp: ..." on stderr; always printed. */
void	msg_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Printed unless quiet. */
void	msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Printed with -v only. Never pass a secret. */
void	msg_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
