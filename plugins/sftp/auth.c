/* auth.c: secrets fetched just before SSH authentication and wiped after. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "keytext.h"
#include "msg.h"

static int
fetch_one(struct azkv *ctx, const char *name, struct azkv_secret **out)
{
	int r;

	msg_debug("reading secret '%s'", name);
	if ((r = azkv_secret_get(ctx, name, NULL, out)) != 0) {
		msg_err("%s", azkv_last_error(ctx));
		return azkv_exit_code(r) != 0 ? azkv_exit_code(r) :
		    AZKV_EXIT_RUNTIME;
	}
	return 0;
}

int
creds_fetch(struct azkv *ctx, const struct auth_cfg *a, struct creds *cr)
{
	struct azkv_secret *sec = NULL;
	const char *why = NULL;
	size_t n;
	int r, ret = AZKV_EXIT_RUNTIME;

	memset(cr, 0, sizeof(*cr));
	if (a->secret != NULL) {
		if ((r = fetch_one(ctx, a->secret, &sec)) != 0) {
			ret = r;
			goto out;
		}
		if (azkv_userpass_parse(sec->value, sec->value_len, &cr->user,
		    &cr->password) != 0) {
			msg_err("cannot use secret '%s' as a password",
			    a->secret);
			goto out;
		}
		cr->pwlen = strlen(cr->password);
		azkv_secret_free(sec);
		sec = NULL;
	}
	if (a->key_secret != NULL) {
		if ((r = fetch_one(ctx, a->key_secret, &sec)) != 0) {
			ret = r;
			goto out;
		}
		if (keytext_normalise(sec->value, sec->value_len, &cr->key,
		    &cr->keylen, &why) != 0) {
			msg_err("secret '%s' is not a usable private key: %s",
			    a->key_secret, why);
			ret = AZKV_EXIT_DENIED;
			goto out;
		}
		azkv_secret_free(sec);
		sec = NULL;
	}
	if (a->pass_secret != NULL) {
		if ((r = fetch_one(ctx, a->pass_secret, &sec)) != 0) {
			ret = r;
			goto out;
		}
		n = sec->value_len;
		while (n > 0 && (sec->value[n - 1] == '\n' ||
		    sec->value[n - 1] == '\r'))
			n--;
		if ((cr->passphrase = malloc(n + 1)) == NULL)
			goto out;
		memcpy(cr->passphrase, sec->value, n);
		cr->passphrase[n] = '\0';
		cr->pplen = n;
	}
	ret = 0;
 out:
	azkv_secret_free(sec);
	if (ret != 0)
		creds_wipe(cr);
	return ret;
}

void
creds_wipe(struct creds *cr)
{
	if (cr == NULL)
		return;
	if (cr->user != NULL)
		azkv_freezero(cr->user, strlen(cr->user));
	if (cr->password != NULL)
		azkv_freezero(cr->password, cr->pwlen);
	if (cr->key != NULL)
		azkv_freezero(cr->key, cr->keylen + 1);
	if (cr->passphrase != NULL)
		azkv_freezero(cr->passphrase, cr->pplen);
	memset(cr, 0, sizeof(*cr));
}

/* Answer the first echo-off prompt with the password, others empty. */
static LIBSSH2_USERAUTH_KBDINT_RESPONSE_FUNC(kbd_answer)
{
	struct conn *c = *abstract;
	int i;

	(void)name;
	(void)name_len;
	(void)instruction;
	(void)instruction_len;
	for (i = 0; i < num_prompts; i++) {
		responses[i].text = NULL;
		responses[i].length = 0;
		if (prompts[i].echo || c->kbd_secret == NULL ||
		    c->kbd_prompts > 0)
			continue;
		/* libssh2 frees this with the session allocator */
		if ((responses[i].text = conn_malloc(c,
		    c->kbd_secret_len + 1)) == NULL)
			continue;
		memcpy(responses[i].text, c->kbd_secret, c->kbd_secret_len);
		responses[i].length = (unsigned int)c->kbd_secret_len;
		c->kbd_prompts++;
	}
}

static int
has_method(const char *list, const char *m)
{
	size_t n = strlen(m);
	const char *p = list;

	while ((p = strstr(p, m)) != NULL) {
		if ((p == list || p[-1] == ',') &&
		    (p[n] == ',' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

static int
network_error(int rc)
{
	switch (rc) {
	case LIBSSH2_ERROR_EAGAIN:
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_SOCKET_TIMEOUT:
	case LIBSSH2_ERROR_TIMEOUT:
	case LIBSSH2_ERROR_ALLOC:
	case LIBSSH2_ERROR_BAD_USE:
		return 1;
	default:
		return 0;
	}
}

static int
failed(struct conn *c, int rc, const char *user, const char *method)
{
	msg_debug("%s authentication: libssh2 error %d", method, rc);
	if (network_error(rc)) {
		msg_err("%s authentication as '%s' failed: %s", method, user,
		    conn_why(c));
		return AZKV_EXIT_RUNTIME;
	}
	if (rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED ||
	    rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED ||
	    rc == LIBSSH2_ERROR_PASSWORD_EXPIRED)
		msg_err("%s authentication as '%s' was refused: %s", method,
		    user, conn_why(c));
	else
		/* libssh2 1.10 words a wrong passphrase misleadingly */
		msg_err("cannot use the private key (wrong or missing "
		    "passphrase, or unsupported format): %s", conn_why(c));
	return AZKV_EXIT_DENIED;
}

int
auth_login(struct conn *c, const char *user, const struct auth_cfg *a,
    const struct creds *cr)
{
	const char *pp = cr->passphrase;
	char *list = NULL;
	unsigned int ul = (unsigned int)strlen(user);
	int rc, ret = AZKV_EXIT_DENIED;

	c->wipe_frees = 1;
	CONN_RETRY_PTR(c, list, libssh2_userauth_list(c->s, user, ul));
	if (list == NULL) {
		if (libssh2_userauth_authenticated(c->s)) {
			ret = 0;
			goto out;
		}
		msg_err("cannot ask the server for its login methods: %s",
		    conn_why(c));
		ret = AZKV_EXIT_RUNTIME;
		goto out;
	}
	msg_debug("server offers: %s", list);

	if (cr->key != NULL || a->identity_file != NULL) {
		if (!has_method(list, "publickey")) {
			msg_err("the server does not accept public keys "
			    "(it offers %s)", list);
			goto out;
		}
		if (cr->key != NULL)
			CONN_RETRY(c, rc, libssh2_userauth_publickey_frommemory(
			    c->s, user, ul, NULL, 0, cr->key, cr->keylen, pp));
		else
			CONN_RETRY(c, rc, libssh2_userauth_publickey_fromfile_ex(
			    c->s, user, ul, NULL, a->identity_file, pp));
		if (rc == 0) {
			ret = 0;
			goto out;
		}
		ret = failed(c, rc, user, "public key");
		if (cr->password == NULL || ret != AZKV_EXIT_DENIED)
			goto out;
	}
	if (cr->password == NULL) {
		msg_err("no credential to log in with");
		goto out;
	}
	if (has_method(list, "password")) {
		CONN_RETRY(c, rc, libssh2_userauth_password_ex(c->s, user, ul,
		    cr->password, (unsigned int)cr->pwlen, NULL));
		ret = rc == 0 ? 0 : failed(c, rc, user, "password");
	} else if (has_method(list, "keyboard-interactive")) {
		c->kbd_secret = cr->password;
		c->kbd_secret_len = cr->pwlen;
		c->kbd_prompts = 0;
		CONN_RETRY(c, rc, libssh2_userauth_keyboard_interactive_ex(c->s,
		    user, ul, kbd_answer));
		c->kbd_secret = NULL;
		c->kbd_secret_len = 0;
		ret = rc == 0 ? 0 :
		    failed(c, rc, user, "keyboard-interactive");
	} else
		msg_err("the server accepts neither password nor "
		    "keyboard-interactive logins (it offers %s)", list);
 out:
	c->wipe_frees = 0;
	return ret;
}
