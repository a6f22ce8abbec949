/* hostkey.c: verify the server's host key before any secret is fetched. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "azkv.h"
#include "hostkey.h"
#include "msg.h"

struct keytype {
	int		 hosttype;	/* LIBSSH2_HOSTKEY_TYPE_* */
	int		 khbit;		/* LIBSSH2_KNOWNHOST_KEY_* */
	const char	*name;
};

/* In OpenSSH's order of preference. */
static const struct keytype keytypes[] = {
#ifdef LIBSSH2_HOSTKEY_TYPE_ED25519
	{ LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519,
	    "ssh-ed25519" },
#endif
#ifdef LIBSSH2_HOSTKEY_TYPE_ECDSA_256
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256,
	    "ecdsa-sha2-nistp256" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384,
	    "ecdsa-sha2-nistp384" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521,
	    "ecdsa-sha2-nistp521" },
#endif
	{ LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_KNOWNHOST_KEY_SSHRSA, "ssh-rsa" },
};
#define NKEYTYPES (sizeof(keytypes) / sizeof(keytypes[0]))

void
b64_encode(const unsigned char *in, size_t n, char *out, int pad)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	unsigned long v;
	char *o = out;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned long)in[i] << 16 | in[i + 1] << 8 | in[i + 2];
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = tab[v >> 6 & 63];
		*o++ = tab[v & 63];
	}
	if (i < n) {
		v = (unsigned long)in[i] << 16;
		if (i + 1 < n)
			v |= in[i + 1] << 8;
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		if (i + 1 < n)
			*o++ = tab[v >> 6 & 63];
		else if (pad)
			*o++ = '=';
		if (pad)
			*o++ = '=';
	}
	*o = '\0';
}

static const struct keytype *
keytype_of(int hosttype)
{
	size_t i;

	for (i = 0; i < NKEYTYPES; i++)
		if (keytypes[i].hosttype == hosttype)
			return &keytypes[i];
	return NULL;
}

int
hostkey_fingerprint(struct conn *c, char *buf, size_t len)
{
	const unsigned char *h;
	char b64[64];

	h = (const unsigned char *)libssh2_hostkey_hash(c->s,
	    LIBSSH2_HOSTKEY_HASH_SHA256);
	if (h == NULL)
		return -1;
	b64_encode(h, 32, b64, 0);
	if ((size_t)snprintf(buf, len, "SHA256:%s", b64) >= len)
		return -1;
	return 0;
}

/* 1 when the @revoked line `l` names the key whose base64 is `b64`. */
static int
revoked_line(const char *l, const char *b64)
{
	const char *p = l;
	size_t n = strlen(b64);
	int field;

	/* "@revoked hosts type base64 [comment]": the fourth field */
	for (field = 1; field < 4; field++) {
		p += strcspn(p, " \t");
		p += strspn(p, " \t");
	}
	return strncmp(p, b64, n) == 0 &&
	    (p[n] == '\0' || p[n] == ' ' || p[n] == '\t');
}

/*
 * Read the known_hosts files that exist into a new list, line by line:
 * libssh2 1.10's readfile stops at the first line it cannot parse.
 * Lines with markers are skipped; with key_b64, *revoked is set when a
 * @revoked line names that key.
 */
static LIBSSH2_KNOWNHOSTS *
kh_load(struct conn *c, const struct hostkey_cfg *cfg, const char *key_b64,
    int *revoked)
{
	LIBSSH2_KNOWNHOSTS *kh;
	FILE *f;
	char *line = NULL, *l;
	size_t i, cap = 0, good, bad;
	ssize_t len;

	if ((kh = libssh2_knownhost_init(c->s)) == NULL)
		return NULL;
	for (i = 0; i < cfg->nfiles; i++) {
		if ((f = fopen(cfg->files[i], "re")) == NULL)
			continue;
		good = bad = 0;
		while ((len = getline(&line, &cap, f)) > 0) {
			while (len > 0 && (line[len - 1] == '\n' ||
			    line[len - 1] == '\r'))
				line[--len] = '\0';
			l = line + strspn(line, " \t");
			if (*l == '\0' || *l == '#')
				continue;
			if (*l == '@') {
				if (key_b64 != NULL &&
				    strncmp(l, "@revoked", 8) == 0 &&
				    revoked_line(l, key_b64))
					*revoked = 1;
				continue;
			}
			if (libssh2_knownhost_readline(kh, l, strlen(l),
			    LIBSSH2_KNOWNHOST_FILE_OPENSSH) == 0)
				good++;
			else
				bad++;
		}
		fclose(f);
		msg_debug("%s: %zu entries, %zu lines libssh2 cannot use",
		    cfg->files[i], good, bad);
	}
	free(line);
	return kh;
}

static int
kh_port(int port)
{
	return port == 22 ? -1 : port;
}

/* Append ",name" (or "name" when empty) to list; silently full. */
static void
list_add(char *list, size_t size, const char *name)
{
	size_t n = strlen(list);
	int r;

	r = snprintf(list + n, size - n, "%s%s", n ? "," : "", name);
	if (r < 0 || (size_t)r >= size - n)
		list[n] = '\0';
}

void
hostkey_prefer(struct conn *c, const struct hostkey_cfg *cfg,
    const char *host, int port)
{
	LIBSSH2_KNOWNHOSTS *kh = NULL;
	char pref[256] = "";
	size_t i;
	int r;

	if (cfg->pin == NULL && (kh = kh_load(c, cfg, NULL, NULL)) != NULL) {
		/* a dummy key: MISMATCH means an entry of this type exists */
		for (i = 0; i < NKEYTYPES; i++) {
			r = libssh2_knownhost_checkp(kh, host, kh_port(port),
			    "x", 1, LIBSSH2_KNOWNHOST_TYPE_PLAIN |
			    LIBSSH2_KNOWNHOST_KEYENC_RAW | keytypes[i].khbit,
			    NULL);
			if (r == LIBSSH2_KNOWNHOST_CHECK_MISMATCH ||
			    r == LIBSSH2_KNOWNHOST_CHECK_MATCH)
				list_add(pref, sizeof(pref), keytypes[i].name);
		}
		libssh2_knownhost_free(kh);
	}
	/* nothing known (or a pin): OpenSSH's order, ed25519 first */
	if (*pref == '\0')
		for (i = 0; i < NKEYTYPES; i++)
			list_add(pref, sizeof(pref), keytypes[i].name);
	msg_debug("host key types asked for: %s", pref);
	conn_method_pref(c, LIBSSH2_METHOD_HOSTKEY, pref);
}

/* Append "name type base64" to the accept-new file (0600, ~/.ssh 0700). */
static int
kh_append(const char *file, const char *host, int port, const char *type,
    const char *key, size_t keylen)
{
	char name[300], *b64 = NULL, *line = NULL, *dir = NULL, *slash;
	size_t linelen;
	int fd = -1, ret = -1, n;

	if (port == 22)
		n = snprintf(name, sizeof(name), "%s", host);
	else
		n = snprintf(name, sizeof(name), "[%s]:%d", host, port);
	if (n < 0 || (size_t)n >= sizeof(name))
		goto out;
	if ((b64 = malloc(keylen / 3 * 4 + 8)) == NULL)
		goto out;
	b64_encode((const unsigned char *)key, keylen, b64, 1);
	linelen = strlen(name) + strlen(type) + strlen(b64) + 4;
	if ((line = malloc(linelen)) == NULL)
		goto out;
	n = snprintf(line, linelen, "%s %s %s\n", name, type, b64);
	if (n < 0 || (size_t)n >= linelen)
		goto out;
	if ((dir = strdup(file)) != NULL &&
	    (slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			msg_debug("cannot create %s: %s", dir, strerror(errno));
	}
	fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0 || write(fd, line, n) != n || fsync(fd) != 0) {
		msg_err("cannot add the host key to %s: %s", file,
		    strerror(errno));
		goto out;
	}
	ret = 0;
 out:
	if (fd >= 0)
		close(fd);
	free(dir);
	free(line);
	free(b64);
	return ret;
}

int
hostkey_verify(struct conn *c, const struct hostkey_cfg *cfg,
    const char *host, int port)
{
	LIBSSH2_KNOWNHOSTS *kh = NULL;
	const struct keytype *kt;
	const char *key, *tname;
	char fp[80], hp[300], pin[80], *b64;
	size_t keylen, i, j;
	int type, r, revoked = 0, ret = AZKV_EXIT_HOSTKEY;

	key = libssh2_session_hostkey(c->s, &keylen, &type);
	if (key == NULL || hostkey_fingerprint(c, fp, sizeof(fp)) != 0) {
		msg_err("cannot read the host key of %s: %s", host,
		    conn_why(c));
		return AZKV_EXIT_HOSTKEY;
	}
	kt = keytype_of(type);
	tname = kt != NULL ? kt->name : "unknown-type";
	if (port == 22)
		snprintf(hp, sizeof(hp), "%s", host);
	else
		snprintf(hp, sizeof(hp), "[%s]:%d", host, port);
	msg_debug("host key of %s: %s %s", hp, tname, fp);

	if (cfg->pin != NULL) {
		/* accept a padded pin too: compare without trailing '=' */
		for (i = 0, j = 0; cfg->pin[i] != '\0' && j < sizeof(pin) - 1;
		    i++)
			if (cfg->pin[i] != '=')
				pin[j++] = cfg->pin[i];
		pin[j] = '\0';
		if (strcmp(pin, fp) == 0)
			return 0;
		msg_err("host key of %s does not match --host-key %s", hp,
		    cfg->pin);
		msg_err("the server offered %s %s", tname, fp);
		return AZKV_EXIT_HOSTKEY;
	}
	if (kt == NULL) {
		msg_err("host key of %s has an unsupported type %d", hp, type);
		return AZKV_EXIT_HOSTKEY;
	}
	if ((b64 = malloc(keylen / 3 * 4 + 8)) == NULL)
		return AZKV_EXIT_HOSTKEY;
	b64_encode((const unsigned char *)key, keylen, b64, 1);
	kh = kh_load(c, cfg, b64, &revoked);
	free(b64);
	if (kh == NULL) {
		msg_err("cannot read known hosts: %s", conn_why(c));
		return AZKV_EXIT_HOSTKEY;
	}
	if (revoked) {
		msg_err("the %s host key of %s is marked @revoked: %s", tname,
		    hp, fp);
		libssh2_knownhost_free(kh);
		return AZKV_EXIT_HOSTKEY;
	}
	r = libssh2_knownhost_checkp(kh, host, kh_port(port), key, keylen,
	    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
	    kt->khbit, NULL);
	switch (r) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		ret = 0;
		break;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		msg_err("WARNING: the %s host key of %s has CHANGED: %s", tname,
		    hp, fp);
		msg_err("someone could be intercepting the connection, or the "
		    "server's key was replaced; nothing was sent");
		msg_err("if the change is expected, remove the old entry "
		    "(ssh-keygen -R '%s') and run again with --accept-new", hp);
		break;
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		if (cfg->accept_new && cfg->add_file != NULL) {
			if (kh_append(cfg->add_file, host, port, tname, key,
			    keylen) == 0) {
				msg_info("added %s %s for %s to %s", tname, fp,
				    hp, cfg->add_file);
				ret = 0;
			}
			break;
		}
		msg_err("host key of %s is not known: %s %s", hp, tname, fp);
		msg_err("check the fingerprint with the server's owner, then "
		    "run again with --accept-new or --host-key %s", fp);
		break;
	default:
		msg_err("cannot check the host key of %s: %s", hp,
		    conn_why(c));
		break;
	}
	libssh2_knownhost_free(kh);
	return ret;
}
