/* t-askpass-prompt.c: table-driven tests of the askpass prompt classifier. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../plugins/askpass/prompt.h"

#define R	PROMPT_REFUSE
#define N	PROMPT_NONE
#define PW	PROMPT_SSH_PASSWORD
#define KI	PROMPT_SSH_KBDINT
#define KEY	PROMPT_KEY_PASSPHRASE
#define GU	PROMPT_GIT_USERNAME
#define GP	PROMPT_GIT_PASSWORD

#define HOSTKEY_NEW \
	"The authenticity of host 'sftp.example.com (192.0.2.7)' can't be " \
	"established.\nED25519 key fingerprint is SHA256:Zm9vYmFy.\n" \
	"This key is not known by any other names.\n" \
	"Are you sure you want to continue connecting (yes/no/[fingerprint])? "

/* A refused prompt, and one answered with exit 0 and no output. */
#define REF(p, env)	{ p, env, R, NULL, NULL, NULL, NULL }
#define NONE(p, env)	{ p, env, N, NULL, NULL, NULL, NULL }

struct tcase {
	const char		*prompt;
	const char		*env;	/* SSH_ASKPASS_PROMPT */
	enum prompt_kind	 kind;
	const char		*user, *host, *path, *scheme;
};

static const struct tcase cases[] = {
	/* 6.1 OpenSSH: answered */
	{ "ftpadmin@sftp.example.com's password: ", NULL, PW,
	    "ftpadmin", "sftp.example.com", NULL, NULL },
	{ "root@192.0.2.10's password: ", NULL, PW,
	    "root", "192.0.2.10", NULL, NULL },
	{ "u@fe80::1%eth0's password: ", NULL, PW, "u", "fe80::1%eth0",
	    NULL, NULL },
	{ "alice@contoso.com@vm1's password: ", NULL, PW,
	    "alice@contoso.com", "vm1", NULL, NULL },
	{ "deploy@my-alias_2's password: ", NULL, PW, "deploy", "my-alias_2",
	    NULL, NULL },
	{ "(ftpadmin@sftp.example.com) Password: ", NULL, KI,
	    "ftpadmin", "sftp.example.com", NULL, NULL },
	{ "Enter passphrase for key '/root/.ssh/id_ed25519': ", NULL, KEY,
	    NULL, NULL, "/root/.ssh/id_ed25519", NULL },
	{ "Enter passphrase for key '/home/a b/it's': ", NULL, KEY,
	    NULL, NULL, "/home/a b/it's", NULL },
	{ "Enter passphrase for /root/.ssh/id_ed25519: ", NULL, KEY,
	    NULL, NULL, "/root/.ssh/id_ed25519", NULL },
	{ "Enter passphrase for /root/.ssh/id_ed25519 (will confirm each use): ",
	    NULL, KEY, NULL, NULL, "/root/.ssh/id_ed25519", NULL },
	{ "Enter passphrase for id_ed25519: ", NULL, KEY,
	    NULL, NULL, "id_ed25519", NULL },

	/* 6.1 OpenSSH: refused */
	REF("Enter ftpadmin@sftp.example.com's old password: ", NULL),
	REF("Enter ftpadmin@sftp.example.com's new password: ", NULL),
	REF("Retype ftpadmin@sftp.example.com's new password: ", NULL),
	REF("(u@h) Verification code: ", NULL),
	REF("(u@h) Password for u@h: ", NULL),
	REF("(u@h) u@h's password: ", NULL),
	REF("(u@h) Enter passphrase for key '/x': ", NULL),
	REF("Password: ", NULL),
	REF("Enter PIN for ED25519-SK key /root/.ssh/id_ed25519_sk: ", NULL),
	REF("Enter PIN and confirm user presence for ED25519-SK key "
	    "/root/.ssh/id_ed25519_sk: ", NULL),
	REF("Confirm user presence for key ED25519-SK SHA256:Zm9v", NULL),
	NONE("Confirm user presence for key ED25519-SK SHA256:Zm9v", "none"),
	REF(HOSTKEY_NEW, NULL),
	REF("Please type 'yes', 'no' or the fingerprint: ", NULL),
	REF("Please type 'yes' or 'no': ", NULL),
	REF("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
	    "Are you sure you want to continue connecting (yes/no)? ", NULL),
	REF("Warning: the ED25519 host key for 'h' differs from the key for "
	    "the IP address '192.0.2.7'\nAre you sure you want to continue "
	    "connecting (yes/no)? ", NULL),
	REF("Add key /root/.ssh/id_ed25519 (me@box) to agent?", "confirm"),
	REF("Add key /root/.ssh/id_ed25519 (me@box) to agent?", NULL),
	REF("Accept updated hostkeys? (yes/no): ", NULL),
	REF("Allow shared connection to sftp.example.com? ", "confirm"),
	REF("Terminate shared connection to sftp.example.com? ", "confirm"),
	REF("Open /tmp/sock on sftp.example.com?", "confirm"),
	REF("Allow forward to [127.0.0.1]:80? ", "confirm"),
	{ "Disable further multiplexing on shared connection to h? ",
	    "confirm", R, NULL, NULL, NULL, NULL },
	REF("Allow multiplex proxy connection?", "confirm"),
	REF("Enter passphrase for PKCS#11: ", NULL),
	REF("Enter lock password: ", NULL),
	REF("Again: ", NULL),
	REF("Enter PIN for authenticator: ", NULL),
	REF("Allow use of key /root/.ssh/id_ed25519?\nKey fingerprint "
	    "SHA256:Zm9v.", "confirm"),
	REF("Allow use of key /root/.ssh/id_ed25519?\nKey fingerprint "
	    "SHA256:Zm9v.\nroot@box", NULL),
	REF("Enter passphrase for \"/root/.ssh/id_ed25519\": ", NULL),
	REF("Enter old passphrase: ", NULL),
	REF("Enter new passphrase (empty for no passphrase): ", NULL),
	REF("Enter same passphrase again: ", NULL),
	REF("Enter passphrase for : ", NULL),
	REF("Enter passphrase for key '/x: ", NULL),

	/* SSH_ASKPASS_PROMPT */
	REF("ftpadmin@h's password: ", "confirm"),
	NONE("ftpadmin@h's password: ", "none"),
	REF("ftpadmin@h's password: ", "bogus"),
	{ "ftpadmin@h's password: ", "", PW, "ftpadmin", "h", NULL, NULL },

	/* 6.2 git */
	{ "Username for 'https://github.com': ", NULL, GU,
	    NULL, "github.com", NULL, "https" },
	{ "Password for 'https://alice@github.com': ", NULL, GP,
	    "alice", "github.com", NULL, "https" },
	{ "Username for 'http://path.tld/bar.git': ", NULL, GU,
	    NULL, "path.tld", "bar.git", "http" },
	{ "Password for 'https://alice%40corp.com@dev.azure.com': ", NULL, GP,
	    "alice@corp.com", "dev.azure.com", NULL, "https" },
	{ "Password for 'https://alice@corp.com@dev.azure.com': ", NULL, GP,
	    "alice@corp.com", "dev.azure.com", NULL, "https" },
	{ "Password for 'https://a%2Fb@evil.example': ", NULL, GP,
	    "a/b", "evil.example", NULL, "https" },
	{ "Username for 'http://127.0.0.1:8080': ", NULL, GU,
	    NULL, "127.0.0.1:8080", NULL, "http" },
	{ "Username for 'http://[::1]:8080/r%20x.git': ", NULL, GU,
	    NULL, "[::1]:8080", "r x.git", "http" },
	{ "Username for 'HTTPS://GitHub.COM': ", NULL, GU,
	    NULL, "github.com", NULL, "https" },
	{ "Password for 'https://%41lice@h%2Eexample': ", NULL, GP,
	    "Alice", "h.example", NULL, "https" },
	REF("Password for 'cert:///home/u/cert.p12': ", NULL),
	REF("Password for 'ftp://h': ", NULL),
	REF("Username: ", NULL),
	REF("Password for 'https://github.com/x@evil.example': ", NULL),
	REF("Password for 'https://a%00b@h': ", NULL),
	REF("Password for 'https://a%0ab@h': ", NULL),
	REF("Password for 'https://a%4@h': ", NULL),
	REF("Password for 'https://a@h%': ", NULL),
	REF("Password for 'https://a@': ", NULL),
	REF("Password for 'https://a@h:port': ", NULL),
	REF("Password for 'https://a@h:123456': ", NULL),
	REF("Password for 'https://a@h h': ", NULL),
	REF("Username for 'https://h': x", NULL),

	/* hostile */
	REF("u@h's password: \n", NULL),
	REF("line one\nu@h's password: ", NULL),
	REF("u@h's password: \r", NULL),
	REF("u@h\x1b[31m's password: ", NULL),
	REF("u@h\x7f's password: ", NULL),
	REF("u\t@h's password: ", NULL),
	REF("The authenticity of host 'h' can't be established. "
	    "root@h's password: ", NULL),
	{ "Are you sure you want to continue connecting root@h's password: ",
	    NULL, R, NULL, NULL, NULL, NULL },
	REF("Warning: u@h's password: ", NULL),
	REF(" u@h's password: ", NULL),
	REF("u@h's password:  ", NULL),
	REF("u@h's password:", NULL),
	REF("@h's password: ", NULL),
	REF("u@'s password: ", NULL),
	REF("u's password: ", NULL),
	REF("u@h/x's password: ", NULL),
	REF("u@h'x's password: ", NULL),
	REF("", NULL),
};

static void
check_case(size_t i, const struct tcase *t)
{
	struct prompt p;
	int r;

	r = prompt_classify(t->prompt, t->env, &p);
	is_int(r, 0, "case %zu returns 0", i);
	if (!is_int(p.kind, t->kind, "case %zu is %s", i,
	    prompt_kind_name(t->kind)))
		printf("#   prompt: %.60s (rule %s)\n", t->prompt, p.rule);
	ok(p.rule != NULL, "case %zu names a rule", i);
	if (t->kind != R && t->kind != N) {
		is_str(p.user, t->user, "case %zu user", i);
		is_str(p.host, t->host, "case %zu host", i);
		is_str(p.path, t->path, "case %zu path", i);
		is_str(p.scheme, t->scheme, "case %zu scheme", i);
	} else
		ok(p.user == NULL && p.host == NULL && p.path == NULL &&
		    p.scheme == NULL, "case %zu holds no strings", i);
	prompt_release(&p);
}

/* A prompt of exactly len bytes: "Enter passphrase for key '/aaa...': ". */
static char *
key_prompt_of_len(size_t len)
{
	const char *pfx = "Enter passphrase for key '/", *sfx = "': ";
	size_t pl = strlen(pfx), sl = strlen(sfx);
	char *s;

	if ((s = malloc(len + 1)) == NULL)
		abort();
	memcpy(s, pfx, pl);
	memset(s + pl, 'a', len - pl - sl);
	memcpy(s + len - sl, sfx, sl);
	s[len] = '\0';
	return s;
}

static void
check_lengths(void)
{
	struct prompt p;
	char *s;

	s = key_prompt_of_len(PROMPT_MAX);
	prompt_classify(s, NULL, &p);
	is_int(p.kind, KEY, "prompt of PROMPT_MAX bytes is answered");
	prompt_release(&p);
	free(s);

	s = key_prompt_of_len(PROMPT_MAX + 1);
	prompt_classify(s, NULL, &p);
	is_int(p.kind, R, "prompt of PROMPT_MAX+1 bytes is refused");
	is_str(p.rule, "prompt too long", "... as too long");
	prompt_release(&p);
	free(s);

	s = key_prompt_of_len(100 * 1024);
	prompt_classify(s, NULL, &p);
	is_int(p.kind, R, "100 KB prompt is refused");
	prompt_release(&p);
	free(s);

	/* 100 KB user name in the password shape */
	if ((s = malloc(100 * 1024 + 64)) == NULL)
		abort();
	memset(s, 'u', 100 * 1024);
	memcpy(s + 100 * 1024, "@h's password: ", 16);
	prompt_classify(s, NULL, &p);
	is_int(p.kind, R, "100 KB ssh password prompt is refused");
	prompt_release(&p);
	free(s);

	/* user name over 256 bytes, prompt under the cap */
	if ((s = malloc(400)) == NULL)
		abort();
	memset(s, 'u', 300);
	memcpy(s + 300, "@h's password: ", 16);
	prompt_classify(s, NULL, &p);
	is_int(p.kind, R, "300-byte user name is refused");
	prompt_release(&p);
	free(s);
}

static void
check_misc(void)
{
	struct prompt p;
	int c;
	char s[64];

	prompt_classify(NULL, NULL, &p);
	is_int(p.kind, R, "NULL prompt is refused");
	prompt_release(&p);
	prompt_classify(NULL, "none", &p);
	is_int(p.kind, N, "NULL prompt with none exits 0");
	prompt_release(&p);
	prompt_classify(HOSTKEY_NEW, NULL, &p);
	is_str(p.rule, "host key question", "host key question named");
	prompt_release(&p);
	prompt_classify("Accept updated hostkeys? (yes/no): ", NULL, &p);
	is_str(p.rule, "host key question", "updated hostkeys named");
	prompt_release(&p);

	/* every control byte in the middle of an allowed prompt */
	for (c = 1; c < 0x20; c++) {
		snprintf(s, sizeof(s), "u@h%c's password: ", c);
		prompt_classify(s, NULL, &p);
		if (p.kind != R)
			break;
		prompt_release(&p);
	}
	is_int(c, 0x20, "every control byte refuses the prompt");
	prompt_release(&p);
	prompt_release(NULL);
	ok(1, "prompt_release(NULL) is harmless");
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(i, &cases[i]);
	check_lengths();
	check_misc();
	return tap_done();
}
