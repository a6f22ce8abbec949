/* progress.c: transfer progress (bar with rate and ETA) and summaries. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "progress.h"

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
progress_bytes(double n, char *buf, unsigned len)
{
	static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned i = 0;

	while (n >= 1024 && i < 4) {
		n /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%.0f B", n);
	else
		snprintf(buf, len, "%.1f %s", n, unit[i]);
	return buf;
}

void
progress_start(struct progress *p, const char *name, uint64_t total,
    int mode)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->total = total;
	p->start_ms = p->last_ms = now_ms();
	if (mode < 0)
		p->bar = isatty(STDERR_FILENO) && !msg_quiet();
	else
		p->bar = mode && !msg_quiet();
}

void
progress_draw(struct progress *p)
{
	char line[256], b1[32], b2[32];
	uint64_t done = __atomic_load_n(&p->done, __ATOMIC_RELAXED);
	double secs, rate, eta;
	int pct, n;

	if (!p->bar)
		return;
	secs = (now_ms() - p->start_ms) / 1000.0;
	rate = secs > 0 ? done / secs : 0;
	pct = p->total ? (int)(done * 100 / p->total) : 100;
	eta = rate > 0 ? (p->total - done) / rate : 0;
	n = snprintf(line, sizeof(line), "\r%-30.30s %3d%% %10s %10s/s "
	    "ETA %02d:%02d ", p->name, pct, progress_bytes(done, b1,
	    sizeof(b1)), progress_bytes(rate, b2, sizeof(b2)),
	    (int)eta / 60 % 100, (int)eta % 60);
	if (n > 0 && (size_t)n < sizeof(line) &&
	    write(STDERR_FILENO, line, n) < 0)
		p->bar = 0;
}

void
progress_add(struct progress *p, uint64_t n, int draw)
{
	long long t;

	__atomic_add_fetch(&p->done, n, __ATOMIC_RELAXED);
	if (!draw || !p->bar)
		return;
	t = now_ms();
	if (t - p->last_ms < 200)
		return;
	p->last_ms = t;
	progress_draw(p);
}

void
progress_end(struct progress *p, const char *dest, int ok)
{
	char b1[32], b2[32];
	double secs = (now_ms() - p->start_ms) / 1000.0;
	uint64_t done = __atomic_load_n(&p->done, __ATOMIC_RELAXED);

	if (p->bar) {
		progress_draw(p);
		if (write(STDERR_FILENO, "\n", 1) < 0)
			p->bar = 0;
	}
	if (!ok)
		return;
	msg_info("%s -> %s: %s in %.1f s (%s/s)", p->name, dest,
	    progress_bytes(done, b1, sizeof(b1)), secs,
	    progress_bytes(secs > 0 ? done / secs : done, b2, sizeof(b2)));
}
