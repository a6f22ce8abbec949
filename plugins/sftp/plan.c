/* plan.c: the local files to send and where each goes on the server. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "azkv.h"
#include "dest.h"
#include "msg.h"
#include "plan.h"
#include "remote.h"
#include "transfer.h"

#define MAX_DEPTH	64

void
plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].local);
		free(p->v[i].rel);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static int
plan_add(struct plan *p, const char *local, const char *rel,
    const struct stat *st)
{
	struct item *v;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;

		if ((v = reallocarray(p->v, cap, sizeof(*v))) == NULL)
			return -1;
		p->v = v;
		p->cap = cap;
	}
	v = &p->v[p->n];
	if ((v->local = strdup(local)) == NULL ||
	    (v->rel = strdup(rel)) == NULL) {
		free(v->local);
		return -1;
	}
	v->isdir = S_ISDIR(st->st_mode);
	v->st = *st;
	p->n++;
	return 0;
}

/* plan_walk() with the nesting depth. */
static int
walk(struct plan *p, const char *local, const char *rel, int recursive,
    int depth)
{
	struct stat st;
	struct dirent *de;
	DIR *d = NULL;
	char *cl = NULL, *cr = NULL;
	int fd, r, ret = AZKV_EXIT_RUNTIME;

	if (stat(local, &st) != 0) {
		msg_err("cannot read %s: %s", local, strerror(errno));
		return AZKV_EXIT_RUNTIME;
	}
	if (S_ISREG(st.st_mode)) {
		if ((fd = open(local, O_RDONLY | O_CLOEXEC)) < 0) {
			msg_err("cannot read %s: %s", local, strerror(errno));
			return AZKV_EXIT_RUNTIME;
		}
		close(fd);
		return plan_add(p, local, rel, &st) == 0 ? 0 :
		    AZKV_EXIT_RUNTIME;
	}
	if (!S_ISDIR(st.st_mode)) {
		msg_err("%s is not a regular file or directory", local);
		return AZKV_EXIT_RUNTIME;
	}
	if (!recursive) {
		msg_err("%s is a directory (use -r)", local);
		return AZKV_EXIT_USAGE;
	}
	if (depth > MAX_DEPTH) {
		msg_err("%s: directories nested too deep", local);
		return AZKV_EXIT_RUNTIME;
	}
	if ((d = opendir(local)) == NULL) {
		msg_err("cannot read directory %s: %s", local, strerror(errno));
		return AZKV_EXIT_RUNTIME;
	}
	if (plan_add(p, local, rel, &st) != 0)
		goto out;
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((cl = path_join(local, de->d_name)) == NULL ||
		    (cr = path_join(rel, de->d_name)) == NULL)
			goto out;
		if ((r = walk(p, cl, cr, recursive, depth + 1)) != 0) {
			ret = r;
			goto out;
		}
		free(cl);
		free(cr);
		cl = cr = NULL;
	}
	if (errno != 0) {
		msg_err("cannot read directory %s: %s", local, strerror(errno));
		goto out;
	}
	ret = 0;
 out:
	free(cl);
	free(cr);
	closedir(d);
	return ret;
}

int
plan_walk(struct plan *p, const char *local, const char *rel, int recursive)
{
	return walk(p, local, rel, recursive, 0);
}

/* Remote name of planned item `it`; NULL when out of memory. */
static char *
item_target(const struct item *it, int into, const char *root,
    const char *rpath)
{
	const char *rel;

	if (into)
		return path_join(root, it->rel);
	rel = strchr(it->rel, '/');
	return rel == NULL ? strdup(rpath) : path_join(rpath, rel + 1);
}

/* -p: directory times last, deepest first, after their contents. */
static int
set_dir_times(struct conn *c, const struct plan *p, int into,
    const char *root, const char *rpath)
{
	LIBSSH2_SFTP_ATTRIBUTES a;
	char *t, why[200];
	size_t i;
	int rc;

	for (i = p->n; i-- > 0;) {
		if (!p->v[i].isdir)
			continue;
		if ((t = item_target(&p->v[i], into, root, rpath)) == NULL)
			return -1;
		memset(&a, 0, sizeof(a));
		a.flags = LIBSSH2_SFTP_ATTR_ACMODTIME;
		a.atime = (unsigned long)p->v[i].st.st_atime;
		a.mtime = (unsigned long)p->v[i].st.st_mtime;
		CONN_RETRY(c, rc, libssh2_sftp_stat_ex(c->sftp, t,
		    (unsigned int)strlen(t), LIBSSH2_SFTP_SETSTAT, &a));
		if (rc != 0)
			msg_err("cannot set the times of %s: %s", t,
			    remote_why(c, rc, why, sizeof(why)));
		free(t);
		if (rc != 0)
			return -1;
	}
	return 0;
}

int
plan_upload(struct conn *conns, int nconn, const struct plan *p,
    const char *rpath, int make_dirs, const struct xfer_opts *xo)
{
	struct conn *c = &conns[0];
	const char *root = *rpath ? rpath : ".";
	char *target = NULL, *parent = NULL;
	size_t i, len, nsrc = 0;
	int into, r, ret = AZKV_EXIT_RUNTIME;
	long dmode;

	for (i = 0; i < p->n; i++)
		if (strchr(p->v[i].rel, '/') == NULL)
			nsrc++;
	len = strlen(rpath);
	if (len == 0 || rpath[len - 1] == '/' || strcmp(rpath, ".") == 0)
		into = 1;
	else if ((r = remote_isdir(c, rpath)) < 0) {
		msg_err("cannot stat %s: %s", rpath, conn_why(c));
		goto out;
	} else
		into = r == 1 || nsrc > 1;
	if (into) {
		if ((r = remote_isdir(c, root)) < 0) {
			msg_err("cannot stat %s: %s", root, conn_why(c));
			goto out;
		}
		if (r == 0 && !make_dirs) {
			msg_err("remote directory %s does not exist (--mkdir "
			    "creates it)", root);
			goto out;
		}
		if (r == 0 && remote_mkdir(c, root, 1, 0755) != 0)
			goto out;
	} else if (make_dirs) {
		if ((parent = path_dir(rpath)) == NULL)
			goto out;
		if (*parent && remote_mkdir(c, parent, 1, 0755) != 0)
			goto out;
	}

	for (i = 0; i < p->n && !conn_interrupted; i++) {
		free(target);
		if ((target = item_target(&p->v[i], into, root, rpath)) == NULL)
			goto out;
		if (p->v[i].isdir) {
			dmode = xo->preserve ?
			    (long)(p->v[i].st.st_mode & 07777) : 0755;
			if (remote_mkdir(c, target, 0, dmode) != 0)
				goto out;
			continue;
		}
		if ((r = xfer_file(conns, nconn, p->v[i].local, target,
		    xo)) != 0) {
			ret = r;
			goto out;
		}
	}
	if (conn_interrupted)
		goto out;
	if (xo->preserve && set_dir_times(c, p, into, root, rpath) != 0)
		goto out;
	ret = 0;
 out:
	free(parent);
	free(target);
	return ret;
}
