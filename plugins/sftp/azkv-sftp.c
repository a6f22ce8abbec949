/* azkv-sftp.c: upload files over SFTP with credentials read from Key Vault. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "azkv.h"
#include "auth.h"
#include "conn.h"
#include "dest.h"
#include "hostkey.h"
#include "msg.h"
#include "plan.h"
#include "transfer.h"

#define MAX_STREAMS	16

struct opts {
	const char	*config, *user, *known_hosts, *pin;
	struct auth_cfg	 auth;
	int		 port, accept_new, recursive, mkdir, streams;
	int		 timeout;
	struct xfer_opts xfer;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: azkv-sftp [options] SOURCE... DEST\n"
"  DEST is sftp://[user@]host[:port]/path or [user@]host:path\n"
"credentials (read from Key Vault just before login, then wiped):\n"
"  --secret NAME             password (or {\"username\",\"password\"} JSON)\n"
"  --key-secret NAME         private key text (OpenSSH or PEM)\n"
"  --passphrase-secret NAME  passphrase of that key (or of -i FILE)\n"
"  -i FILE                   private key file\n"
"  --user NAME               login name when DEST has none\n"
"host keys:\n"
"  --known-hosts FILE        instead of ~/.ssh/known_hosts and\n"
"                            /etc/ssh/ssh_known_hosts\n"
"  --host-key SHA256:...     accept only this host key\n"
"  --accept-new              trust and record an unknown host key\n"
"transfer:\n"
"  -P, --port N  -r  --mkdir  -p, --preserve  --mode OCTAL  --resume\n"
"  --no-atomic  --streams N  --progress  --no-progress  -q  -v\n"
"vault:\n"
"  --vault NAME|URL  --identity ID  --config FILE  --cafile FILE\n"
"  --no-cache  --timeout SECONDS\n"
"exit: 0 ok, 1 error, 2 usage, 3 secret not found, 4 access denied,\n"
"      5 no managed identity, 6 host key not trusted\n");
}

static int
num(const char *s, long lo, long hi, int base, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, base);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static void
on_signal(int sig)
{
	conn_interrupted = sig;
}

static const char *
cfg_get(struct azkv *ctx, const char *host, const char *key)
{
	const char *v = azkv_config_get(ctx, "sftp", host, key);

	return v != NULL ? v : azkv_config_get(ctx, "sftp", NULL, key);
}

static int
secret_name_ok(const char *opt, const char *name)
{
	if (name == NULL || strncmp(name, "https://", 8) == 0 ||
	    azkv_secret_name_valid(name))
		return 1;
	msg_err("%s: '%s' is not a valid secret name", opt, name);
	return 0;
}

/* 1 when `name` is a secret name (not a full URL) */
static int
needs_vault(const char *name)
{
	return name != NULL && strncmp(name, "https://", 8) != 0;
}

static char *
home_file(const char *rel)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home == NULL || *home == '\0') {
		if ((pw = getpwuid(getuid())) == NULL)
			return NULL;
		home = pw->pw_dir;
	}
	return path_join(home, rel);
}

/*
 * Open conns[0..*n-1]; the first is verified against known hosts or the
 * pin, the others must show the same key. An extra connection that cannot
 * be made only lowers *n. Returns 0 or an exit code.
 */
static int
connect_all(struct conn *conns, int *n, const struct dest *d, int port,
    struct hostkey_cfg *hk, int timeout_ms)
{
	struct hostkey_cfg pinned;
	char fp[80];
	const char *hkm;
	int i, r;

	if (conn_open(&conns[0], d->host, port, timeout_ms) != 0)
		return AZKV_EXIT_RUNTIME;
	hostkey_prefer(&conns[0], hk, d->host, port);
	if (conn_handshake(&conns[0], d->host) != 0)
		return AZKV_EXIT_RUNTIME;
	if ((r = hostkey_verify(&conns[0], hk, d->host, port)) != 0)
		return r;
	if (*n == 1)
		return 0;
	/* more streams: the same host key, of the same type */
	if (hostkey_fingerprint(&conns[0], fp, sizeof(fp)) != 0)
		return AZKV_EXIT_HOSTKEY;
	memset(&pinned, 0, sizeof(pinned));
	pinned.pin = fp;
	hkm = libssh2_session_methods(conns[0].s, LIBSSH2_METHOD_HOSTKEY);
	for (i = 1; i < *n; i++) {
		if (conn_open(&conns[i], d->host, port, timeout_ms) != 0 ||
		    (hkm != NULL && conn_method_pref(&conns[i],
		    LIBSSH2_METHOD_HOSTKEY, hkm) != 0) ||
		    conn_handshake(&conns[i], d->host) != 0) {
			if (conn_interrupted)
				return AZKV_EXIT_RUNTIME;
			msg_err("warning: continuing with %d stream%s", i,
			    i == 1 ? "" : "s");
			conn_close(&conns[i]);
			*n = i;
			return 0;
		}
		r = hostkey_verify(&conns[i], &pinned, d->host, port);
		if (r != 0)
			return r;
	}
	return 0;
}

static const char *
local_user(void)
{
	struct passwd *pw = getpwuid(geteuid());

	return pw != NULL ? pw->pw_name : NULL;
}

int
main(int argc, char **argv)
{
	enum { O_SECRET = 256, O_KEYSECRET, O_PASSSECRET, O_KNOWN, O_HOSTKEY,
	    O_ACCEPT, O_MKDIR, O_MODE, O_RESUME, O_NOATOMIC, O_STREAMS,
	    O_TIMEOUT, O_PROGRESS, O_NOPROGRESS, O_VAULT, O_IDENTITY,
	    O_CONFIG, O_CAFILE, O_NOCACHE, O_USER };
	static const struct option longopts[] = {
		{ "secret", required_argument, NULL, O_SECRET },
		{ "key-secret", required_argument, NULL, O_KEYSECRET },
		{ "passphrase-secret", required_argument, NULL, O_PASSSECRET },
		{ "user", required_argument, NULL, O_USER },
		{ "port", required_argument, NULL, 'P' },
		{ "known-hosts", required_argument, NULL, O_KNOWN },
		{ "host-key", required_argument, NULL, O_HOSTKEY },
		{ "accept-new", no_argument, NULL, O_ACCEPT },
		{ "recursive", no_argument, NULL, 'r' },
		{ "mkdir", no_argument, NULL, O_MKDIR },
		{ "preserve", no_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, O_MODE },
		{ "resume", no_argument, NULL, O_RESUME },
		{ "no-atomic", no_argument, NULL, O_NOATOMIC },
		{ "streams", required_argument, NULL, O_STREAMS },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "no-progress", no_argument, NULL, O_NOPROGRESS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "vault", required_argument, NULL, O_VAULT },
		{ "identity", required_argument, NULL, O_IDENTITY },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "cafile", required_argument, NULL, O_CAFILE },
		{ "no-cache", no_argument, NULL, O_NOCACHE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct conn conns[MAX_STREAMS];
	struct sigaction sa;
	struct opts o;
	struct dest d;
	struct plan plan;
	struct hostkey_cfg hk;
	struct creds cr;
	struct azkv *ctx = NULL;
	const char *vault = NULL, *identity = NULL, *cafile = NULL, *tmo = NULL;
	const char *user, *v, *b;
	char err[200], *dflt_kh = NULL, *rel = NULL;
	size_t i, bl;
	long n;
	int ch, r, quiet = 0, verbose = 0, nocache = 0, nconn = 1, nopen = 0;
	int ret = AZKV_EXIT_USAGE, big = 0;

	memset(&o, 0, sizeof(o));
	memset(&d, 0, sizeof(d));
	memset(&plan, 0, sizeof(plan));
	memset(&hk, 0, sizeof(hk));
	memset(&cr, 0, sizeof(cr));
	memset(conns, 0, sizeof(conns));
	for (i = 0; i < MAX_STREAMS; i++)
		conns[i].fd = -1;
	o.streams = 1;
	o.xfer.atomic = 1;
	o.xfer.mode = -1;
	o.xfer.progress = -1;
	azkv_harden_process();

	while ((ch = getopt_long(argc, argv, "P:i:rpqvhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case O_SECRET:		o.auth.secret = optarg; break;
		case O_KEYSECRET:	o.auth.key_secret = optarg; break;
		case O_PASSSECRET:	o.auth.pass_secret = optarg; break;
		case 'i':		o.auth.identity_file = optarg; break;
		case O_USER:		o.user = optarg; break;
		case O_KNOWN:		o.known_hosts = optarg; break;
		case O_HOSTKEY:		o.pin = optarg; break;
		case O_ACCEPT:		o.accept_new = 1; break;
		case 'r':		o.recursive = 1; break;
		case O_MKDIR:		o.mkdir = 1; break;
		case 'p':		o.xfer.preserve = 1; break;
		case O_RESUME:		o.xfer.resume = 1; break;
		case O_NOATOMIC:	o.xfer.atomic = 0; break;
		case O_PROGRESS:	o.xfer.progress = 1; break;
		case O_NOPROGRESS:	o.xfer.progress = 0; break;
		case 'q':		quiet = 1; break;
		case 'v':		verbose = 1; break;
		case O_VAULT:		vault = optarg; break;
		case O_IDENTITY:	identity = optarg; break;
		case O_CONFIG:		o.config = optarg; break;
		case O_CAFILE:		cafile = optarg; break;
		case O_NOCACHE:		nocache = 1; break;
		case 'P':
			if (num(optarg, 1, 65535, 10, &n) != 0) {
				msg_err("bad port '%s'", optarg);
				goto out;
			}
			o.port = (int)n;
			break;
		case O_MODE:
			if (num(optarg, 0, 07777, 8, &n) != 0) {
				msg_err("bad --mode '%s' (want octal)", optarg);
				goto out;
			}
			o.xfer.mode = n;
			break;
		case O_STREAMS:
			if (num(optarg, 1, MAX_STREAMS, 10, &n) != 0) {
				msg_err("bad --streams '%s' (1-%d)", optarg,
				    MAX_STREAMS);
				goto out;
			}
			o.streams = (int)n;
			break;
		case O_TIMEOUT:
			if (num(optarg, 1, 86400, 10, &n) != 0) {
				msg_err("bad --timeout '%s'", optarg);
				goto out;
			}
			tmo = optarg;
			break;
		case 'h':
			usage(stdout);
			ret = 0;
			goto out;
		case 'V':
			printf("azkv-sftp %s (%s)\n", PACKAGE_VERSION,
			    libssh2_version(0));
			ret = 0;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	msg_init(quiet, verbose);
	if (argc - optind < 2) {
		msg_err("need at least one SOURCE and a DEST");
		usage(stderr);
		goto out;
	}
	if (dest_parse(argv[argc - 1], &d, err, sizeof(err)) != 0) {
		msg_err("bad destination '%s': %s", argv[argc - 1], err);
		goto out;
	}

	/* configuration: files and environment, then flags */
	if ((ctx = azkv_new()) == NULL) {
		msg_err("out of memory");
		ret = AZKV_EXIT_RUNTIME;
		goto out;
	}
	if ((r = azkv_configure(ctx, o.config)) != 0) {
		msg_err("%s", azkv_last_error(ctx));
		goto out;
	}
	if ((vault && azkv_set(ctx, "vault", vault) != 0) ||
	    (identity && azkv_set(ctx, "identity", identity) != 0) ||
	    (cafile && azkv_set(ctx, "cafile", cafile) != 0) ||
	    (tmo && azkv_set(ctx, "timeout", tmo) != 0) ||
	    (nocache && azkv_set(ctx, "token-cache", "off") != 0) ||
	    (verbose && azkv_set(ctx, "debug", "1") != 0)) {
		msg_err("%s", azkv_last_error(ctx));
		goto out;
	}
	/* AZKV_DEBUG=1 (or debug in a config file) means -v */
	if (!verbose && (v = azkv_get(ctx, "debug")) != NULL &&
	    strcmp(v, "on") == 0)
		msg_init(quiet, 1);
	if (o.auth.secret == NULL && (v = getenv("AZKV_SECRET")) != NULL &&
	    *v != '\0')
		o.auth.secret = v;
#define CFG(field, key) \
	if ((field) == NULL) (field) = cfg_get(ctx, d.host, key)
	CFG(o.auth.secret, "secret");
	CFG(o.auth.key_secret, "key-secret");
	CFG(o.auth.pass_secret, "passphrase-secret");
	CFG(o.auth.identity_file, "identity-file");
	CFG(o.user, "user");
	CFG(o.known_hosts, "known-hosts");
	CFG(o.pin, "host-key");
#undef CFG
	if (o.port == 0 && (v = cfg_get(ctx, d.host, "port")) != NULL) {
		if (num(v, 1, 65535, 10, &n) != 0) {
			msg_err("bad sftp.port '%s' in the configuration", v);
			goto out;
		}
		o.port = (int)n;
	}
	if (d.port == 0)
		d.port = o.port ? o.port : 22;
	/* the SSH waits use the same deadline setting as the vault calls */
	v = azkv_get(ctx, "timeout");
	if (v == NULL || num(v, 1, 86400, 10, &n) != 0)
		n = 120;
	o.timeout = (int)n;

	/* bad input fails here, before any connection */
	if (o.auth.secret == NULL && o.auth.key_secret == NULL &&
	    o.auth.identity_file == NULL) {
		msg_err("no credential: give --secret, --key-secret or -i");
		goto out;
	}
	if (o.auth.pass_secret != NULL && o.auth.key_secret == NULL &&
	    o.auth.identity_file == NULL) {
		msg_err("--passphrase-secret needs --key-secret or -i");
		goto out;
	}
	if (!secret_name_ok("--secret", o.auth.secret) ||
	    !secret_name_ok("--key-secret", o.auth.key_secret) ||
	    !secret_name_ok("--passphrase-secret", o.auth.pass_secret))
		goto out;
	if (azkv_get(ctx, "vault") == NULL && (needs_vault(o.auth.secret) ||
	    needs_vault(o.auth.key_secret) ||
	    needs_vault(o.auth.pass_secret))) {
		msg_err("no vault: give --vault or set AZKV_VAULT");
		goto out;
	}
	if (o.auth.identity_file != NULL &&
	    access(o.auth.identity_file, R_OK) != 0) {
		msg_err("cannot read %s: %s", o.auth.identity_file,
		    strerror(errno));
		goto out;
	}
	if (o.pin != NULL && strncmp(o.pin, "SHA256:", 7) != 0) {
		msg_err("--host-key wants SHA256:... as ssh-keygen -lf prints");
		goto out;
	}
	ret = AZKV_EXIT_RUNTIME;
	for (i = (size_t)optind; i < (size_t)argc - 1; i++) {
		b = path_base(argv[i], &bl);
		if (bl == 0 || (bl == 1 && b[0] == '.') ||
		    (bl == 2 && b[0] == '.' && b[1] == '.')) {
			msg_err("%s: give the directory by its name", argv[i]);
			ret = AZKV_EXIT_USAGE;
			goto out;
		}
		if ((rel = strndup(b, bl)) == NULL)
			goto out;
		if ((r = plan_walk(&plan, argv[i], rel, o.recursive)) != 0) {
			ret = r;
			goto out;
		}
		free(rel);
		rel = NULL;
	}
	for (i = 0; i < plan.n; i++)
		if (!plan.v[i].isdir &&
		    (uint64_t)plan.v[i].st.st_size >= 2 * XFER_STREAM_MIN)
			big = 1;
	if (o.streams > 1 && big && !o.xfer.resume)
		nconn = o.streams;

	/* host keys */
	if (o.known_hosts != NULL) {
		hk.files[hk.nfiles++] = o.known_hosts;
		hk.add_file = o.known_hosts;
	} else {
		if ((dflt_kh = home_file(".ssh/known_hosts")) != NULL) {
			hk.files[hk.nfiles++] = dflt_kh;
			hk.add_file = dflt_kh;
		}
		hk.files[hk.nfiles++] = "/etc/ssh/ssh_known_hosts";
	}
	hk.pin = o.pin;
	hk.accept_new = o.accept_new;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (libssh2_init(0) != 0) {
		msg_err("cannot initialise libssh2");
		goto out;
	}
	nopen = nconn;
	if ((ret = connect_all(conns, &nconn, &d, d.port, &hk,
	    o.timeout * 1000)) != 0)
		goto out;

	/* secrets: fetched after the host key is trusted, wiped after login */
	if ((ret = creds_fetch(ctx, &o.auth, &cr)) != 0)
		goto out;
	user = d.user ? d.user : o.user ? o.user : cr.user ? cr.user :
	    local_user();
	if (user == NULL) {
		msg_err("no user name: give user@host or --user");
		ret = AZKV_EXIT_USAGE;
		goto out;
	}
	for (i = 0; i < (size_t)nconn; i++)
		if ((ret = auth_login(&conns[i], user, &o.auth, &cr)) != 0)
			goto out;
	creds_wipe(&cr);
	for (i = 0; i < (size_t)nconn; i++)
		if (conn_sftp(&conns[i]) != 0) {
			ret = AZKV_EXIT_RUNTIME;
			goto out;
		}
	ret = plan_upload(conns, nconn, &plan, d.path, o.mkdir, &o.xfer);
 out:
	creds_wipe(&cr);
	for (i = 0; i < (size_t)nopen; i++)
		conn_close(&conns[i]);
	if (nopen > 0)
		libssh2_exit();
	azkv_free(ctx);
	plan_free(&plan);
	dest_release(&d);
	free(dflt_kh);
	free(rel);
	if (conn_interrupted) {
		msg_err("interrupted");
		signal((int)conn_interrupted, SIG_DFL);
		raise((int)conn_interrupted);
	}
	return ret;
}
