/* t-sftp-keytext.c: normalising private-key text from a secret. */
#include "config.h"

#include <string.h>

#include "azkv.h"
#include "tap.h"
#include "../../plugins/sftp/keytext.h"

#define B1 "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
#define B2 "QyNTUxOQAAACBQ7Q3ojZWbQm4o0kqJ6n5cN3hGTtW2P3ZXnD2Jl7H0cQAAAJgAAAAA"
#define OKEY_BODY B1 B2
#define WANT_OPENSSH \
	"-----BEGIN OPENSSH PRIVATE KEY-----\n" \
	"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n" \
	"QyNTUxOQAAACBQ7Q3ojZWbQm4o0kqJ6n5cN3hGTtW2P3ZXnD2Jl7H0cQAAAJgAAAAA\n" \
	"-----END OPENSSH PRIVATE KEY-----\n"
#define WANT_PEM_ENC \
	"-----BEGIN RSA PRIVATE KEY-----\n" \
	"Proc-Type: 4,ENCRYPTED\n" \
	"DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n" \
	"\n" \
	"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2\n" \
	"d3h5eg==\n" \
	"-----END RSA PRIVATE KEY-----\n"
#define PEM_BODY "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5eg=="

static const struct {
	const char *name, *in, *want;
} cases[] = {
	{ "already clean", WANT_OPENSSH, WANT_OPENSSH },
	{ "one line with spaces",
	    "-----BEGIN OPENSSH PRIVATE KEY----- " B1 " " B2
	    " -----END OPENSSH PRIVATE KEY-----", WANT_OPENSSH },
	{ "literal \\n escapes",
	    "-----BEGIN OPENSSH PRIVATE KEY-----\\n" B1 "\\n" B2
	    "\\n-----END OPENSSH PRIVATE KEY-----\\n", WANT_OPENSSH },
	{ "CRLF and indentation",
	    "  -----BEGIN OPENSSH PRIVATE KEY-----\r\n  " B1 "\r\n  " B2
	    "\r\n  -----END OPENSSH PRIVATE KEY-----\r\n\r\n", WANT_OPENSSH },
	{ "quotes and trailing junk",
	    "\"-----BEGIN OPENSSH PRIVATE KEY-----\n" OKEY_BODY
	    "\n-----END OPENSSH PRIVATE KEY-----\"\n# comment", WANT_OPENSSH },
	{ "no line breaks at all",
	    "-----BEGIN OPENSSH PRIVATE KEY-----" OKEY_BODY
	    "-----END OPENSSH PRIVATE KEY-----", WANT_OPENSSH },
	{ "encrypted PEM flattened",
	    "-----BEGIN RSA PRIVATE KEY----- Proc-Type: 4,ENCRYPTED DEK-Info: "
	    "AES-128-CBC,00112233445566778899AABBCCDDEEFF  " PEM_BODY
	    " -----END RSA PRIVATE KEY-----", WANT_PEM_ENC },
	{ "PKCS#8",
	    "-----BEGIN PRIVATE KEY-----\\r\\nQUJD\\r\\n-----END PRIVATE KEY-----",
	    "-----BEGIN PRIVATE KEY-----\nQUJD\n-----END PRIVATE KEY-----\n" },
	/* failures */
	{ "empty", "", NULL },
	{ "a password", "hunter2", NULL },
	{ "a public key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI x@y", NULL },
	{ "certificate armour",
	    "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----", NULL },
	{ "no END line", "-----BEGIN OPENSSH PRIVATE KEY-----\nQUJD\n", NULL },
	{ "END label differs",
	    "-----BEGIN OPENSSH PRIVATE KEY-----\nQUJD\n"
	    "-----END RSA PRIVATE KEY-----", NULL },
	{ "empty body",
	    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
	    "-----END OPENSSH PRIVATE KEY-----", NULL },
	{ "bad base64",
	    "-----BEGIN OPENSSH PRIVATE KEY-----\nQU*D\n"
	    "-----END OPENSSH PRIVATE KEY-----", NULL },
	{ "control byte in a PEM header (fuzz)",
	    "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
	    "DEK-Info: AES-128-CBC,5247\001\377FF\n\nQUJD\n"
	    "-----END EC PRIVATE KEY-----", NULL },
	{ "lower-case label",
	    "-----BEGIN openssh private key-----\nQUJD\n"
	    "-----END openssh private key-----", NULL },
};

int
main(void)
{
	const char *why;
	char *out;
	size_t i, outlen;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out = NULL;
		why = NULL;
		r = keytext_normalise(cases[i].in, strlen(cases[i].in), &out,
		    &outlen, &why);
		if (cases[i].want == NULL) {
			ok(r != 0 && why != NULL, "%s: rejected (%s)",
			    cases[i].name, why ? why : "accepted");
			continue;
		}
		if (!ok(r == 0, "%s: accepted", cases[i].name)) {
			printf("#   why: %s\n", why ? why : "?");
			continue;
		}
		is_str(out, cases[i].want, "%s: output", cases[i].name);
		is_int(outlen, strlen(cases[i].want), "%s: length",
		    cases[i].name);
		azkv_freezero(out, outlen + 1);
	}
	return tap_done();
}
