/* progress.h: progress bar on a terminal, a one-line summary otherwise. */
#ifndef SFTP_PROGRESS_H
#define SFTP_PROGRESS_H

#include <stdint.h>

struct progress {
	const char	*name;		/* shown file name */
	uint64_t	 total;		/* bytes to send, resumed part excluded */
	uint64_t	 done;		/* updated atomically by stream threads */
	long long	 start_ms;
	long long	 last_ms;
	int		 bar;		/* draw a bar (tty and not quiet) */
};

/* mode: 1 force bar, 0 never, -1 when stderr is a terminal. */
void	progress_start(struct progress *p, const char *name, uint64_t total,
	    int mode);

/* Count n more bytes (thread-safe); redraw at most every 200 ms if draw. */
void	progress_add(struct progress *p, uint64_t n, int draw);

/* Redraw now (when the bar is on). */
void	progress_draw(struct progress *p);

/* Clear the bar; print "NAME -> DEST: SIZE in T s (RATE)" unless quiet. */
void	progress_end(struct progress *p, const char *dest, int ok);

/* Human-readable byte count ("1.5 MiB") into buf. */
const char *progress_bytes(double n, char *buf, unsigned len);

#endif
