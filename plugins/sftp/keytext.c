/* keytext.c: normalise private-key text fetched from Key Vault. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "azkv.h"
#include "keytext.h"

#define LABEL_MAX	64

/* Whitespace, including the literal escapes "\n", "\r", "\t"; its length. */
static size_t
sep_len(const char *p, const char *end)
{
	if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		return 1;
	if (*p == '\\' && p + 1 < end &&
	    (p[1] == 'n' || p[1] == 'r' || p[1] == 't'))
		return 2;
	return 0;
}

static const char *
find(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	for (; p + n <= end; p++)
		if (memcmp(p, needle, n) == 0)
			return p;
	return NULL;
}

static int
b64char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

/* 1 when the n bytes at s are printable ASCII without spaces. */
static int
visible(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

static void
put(char *out, size_t *o, const char *s, size_t n)
{
	memcpy(out + *o, s, n);
	*o += n;
}

int
keytext_normalise(const char *in, size_t len, char **out, size_t *outlen,
    const char **why)
{
	const char *end = in + len, *b, *lab, *labend, *e, *p, *tok;
	char label[LABEL_MAX + 1], endline[LABEL_MAX + 16];
	char *buf = NULL, *body = NULL;
	size_t cap, o = 0, nb = 0, toklen, i, k, width, lablen;
	int inheaders = 1, ret = -1;

	if ((b = find(in, end, "-----BEGIN ")) == NULL) {
		*why = "no -----BEGIN ... PRIVATE KEY----- line";
		return -1;
	}
	lab = b + strlen("-----BEGIN ");
	if ((labend = find(lab, end, "-----")) == NULL ||
	    (lablen = (size_t)(labend - lab)) == 0 || lablen > LABEL_MAX) {
		*why = "malformed BEGIN line";
		return -1;
	}
	for (i = 0; i < lablen; i++)
		if (!((lab[i] >= 'A' && lab[i] <= 'Z') ||
		    (lab[i] >= '0' && lab[i] <= '9') || lab[i] == ' ')) {
			*why = "malformed BEGIN line";
			return -1;
		}
	memcpy(label, lab, lablen);
	label[lablen] = '\0';
	if (strstr(label, "PRIVATE KEY") == NULL) {
		*why = "not a private key "
		    "(the BEGIN line names no PRIVATE KEY)";
		return -1;
	}
	/* the label is at most 64 bytes, so this cannot truncate */
	memcpy(endline, "-----END ", 9);
	memcpy(endline + 9, label, lablen);
	memcpy(endline + 9 + lablen, "-----", 6);
	p = labend + 5;
	if ((e = find(p, end, endline)) == NULL) {
		*why = "no matching -----END line";
		return -1;
	}

	cap = 2 * (size_t)(e - p) + 2 * lablen + 64;
	if ((buf = malloc(cap)) == NULL || (body = malloc(e - p + 1)) == NULL) {
		*why = "out of memory";
		goto out;
	}
	put(buf, &o, "-----BEGIN ", 11);
	put(buf, &o, label, lablen);
	put(buf, &o, "-----\n", 6);

	/* tokens: "Name:" value pairs (PEM headers) first, then base64 */
	while (p < e) {
		while (p < e && (k = sep_len(p, e)) > 0)
			p += k;
		if (p >= e)
			break;
		tok = p;
		while (p < e && sep_len(p, e) == 0)
			p++;
		toklen = (size_t)(p - tok);
		if (inheaders && tok[toklen - 1] == ':') {
			if (!visible(tok, toklen)) {
				*why = "control character in a PEM header";
				goto out;
			}
			/* the header value runs to the next separator run */
			put(buf, &o, tok, toklen);
			while (p < e && (k = sep_len(p, e)) > 0)
				p += k;
			tok = p;
			while (p < e && sep_len(p, e) == 0)
				p++;
			if (p == tok) {
				*why = "PEM header without a value";
				goto out;
			}
			if (!visible(tok, (size_t)(p - tok))) {
				*why = "control character in a PEM header";
				goto out;
			}
			put(buf, &o, " ", 1);
			put(buf, &o, tok, (size_t)(p - tok));
			put(buf, &o, "\n", 1);
			continue;
		}
		if (inheaders && o > 11 + lablen + 6)
			put(buf, &o, "\n", 1);	/* blank line after headers */
		inheaders = 0;
		for (i = 0; i < toklen; i++) {
			if (!b64char((unsigned char)tok[i])) {
				*why = "invalid character in the "
				    "key's base64 body";
				goto out;
			}
			body[nb++] = tok[i];
		}
	}
	if (nb == 0) {
		*why = "empty key body";
		goto out;
	}
	width = strcmp(label, "OPENSSH PRIVATE KEY") == 0 ? 70 : 64;
	for (i = 0; i < nb; i += width) {
		k = nb - i < width ? nb - i : width;
		put(buf, &o, body + i, k);
		put(buf, &o, "\n", 1);
	}
	put(buf, &o, endline, strlen(endline));
	put(buf, &o, "\n", 1);
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	buf = NULL;
	ret = 0;
 out:
	if (body != NULL)
		azkv_freezero(body, e - (labend + 5) + 1);
	if (buf != NULL)
		azkv_freezero(buf, cap);
	return ret;
}
