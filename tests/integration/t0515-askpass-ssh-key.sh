#!/bin/sh
# t0515: real ssh against a throwaway sshd as the invoking user (no root
# needed): a passphrase-protected key unlocked by azkv-askpass logs in; the
# same connection to an unknown host key with StrictHostKeyChecking=ask is
# refused, and nothing logs in.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"
. "$top_srcdir/tests/integration/sshd.sh"

unset AZKV_CONFIG AZKV_IDENTITY AZKV_TIMEOUT AZKV_DEBUG AZKV_TOKEN_CACHE \
	AZKV_IDENTITY_SOURCE AZKV_SECRET AZURE_CLIENT_ID XDG_CONFIG_HOME \
	IDENTITY_ENDPOINT IDENTITY_HEADER IMDS_ENDPOINT MSI_ENDPOINT \
	MSI_SECRET AZURE_FEDERATED_TOKEN_FILE SSH_ASKPASS_PROMPT \
	SSH_AUTH_SOCK DISPLAY WAYLAND_DISPLAY
[ -x "$SSHD_BIN" ] || skip_all "$SSHD_BIN not installed"
for p in ssh ssh-keygen setsid openssl; do
	command -v "$p" >/dev/null 2>&1 || skip_all "$p not installed"
done

emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
export AZKV_CONFIG="$T/config"
ME=$(id -un)
# a login shell that can run a command (not nologin/false)
case $(getent passwd "$ME" | cut -d: -f7) in
*nologin|*false) shell_ok=no ;;
*) shell_ok=yes ;;
esac

set --
[ "$(id -u)" -eq 0 ] && set -- "PermitRootLogin prohibit-password"
sshd_start "$@" || { echo "Bail out! sshd did not start"; exit 1; }

# Only the encrypted key is authorized; its passphrase is only in the vault.
mkdir -p "$T/keys" && chmod 700 "$T/keys"
openssl rand -hex 16 | tr -d '\n' >"$T/pp"
ssh-keygen -q -t ed25519 -C enc -N "$(cat "$T/pp")" -f "$T/keys/enc" ||
	{ echo "Bail out! ssh-keygen failed"; exit 1; }
cp "$T/keys/enc.pub" "$SSHD_DIR/authorized_keys"
emu_ctl secret-set enc-pp - <"$T/pp" >/dev/null
printf '[key "%s"]\n\tsecret = enc-pp\n' "$T/keys/enc" >"$AZKV_CONFIG"
fp=$(ssh-keygen -l -f "$T/keys/enc.pub" | cut -d' ' -f2)

# kssh ARGS...: ssh as a headless script would run it, with the key
kssh() {
	SSH_ASKPASS=azkv-askpass SSH_ASKPASS_REQUIRE=force setsid -w ssh \
		-F "$SSHD_SSH_CONFIG" -o IdentityFile="$T/keys/enc" \
		-o PreferredAuthentications=publickey -l "$ME" "$@" \
		</dev/null >"$T/out" 2>"$T/err"
	rc=$?
}
logins() { grep "Accepted publickey for $ME" "$SSHD_LOG" | grep -cF "$fp"; }

# ---- the key works when the host key is known ------------------------------
AZKV_DEBUG=1 kssh sshd-test 'echo key-ok'
# a locked system account (such as nobody) cannot log in at all
if grep -q "User $ME not allowed" "$SSHD_LOG"; then
	skip_all "sshd will not log in $ME: $(grep -m1 'not allowed' "$SSHD_LOG")"
fi
is "$(logins)" 1 "encrypted key unlocked from the vault: sshd accepted it"
like "$(cat "$T/err")" 'matched rule ssh-key-passphrase' \
	"... azkv-askpass answered 'Enter passphrase for key ...'"
unlike "$(cat "$T/err")" "$(cat "$T/pp")" "... the passphrase is not on stderr"
if [ "$shell_ok" = yes ]; then
	is "$rc" 0 "... ssh exit 0"
	is "$(cat "$T/out")" key-ok "... the remote command ran"
else
	skip "login shell of $ME cannot run commands"
	skip "login shell of $ME cannot run commands"
fi

# ---- unknown host key: askpass must not say yes ---------------------------------
: >"$T/empty_known_hosts"
emu_ctl clear-log >/dev/null
AZKV_DEBUG=1 kssh -o UserKnownHostsFile="$T/empty_known_hosts" \
	-o StrictHostKeyChecking=ask sshd-test "echo should-not-run"
is "$rc" 255 "unknown host key, StrictHostKeyChecking=ask: ssh fails (255)"
like "$(cat "$T/err")" 'Host key verification failed' \
	"... host key verification failed"
like "$(cat "$T/err")" 'refused: host key question' \
	"... azkv-askpass was asked the host key question and refused it"
unlike "$(cat "$T/out")" 'should-not-run' "... the remote command never ran"
is "$(logins)" 1 "... sshd accepted no further login"
ok "$([ ! -s "$T/empty_known_hosts" ]; echo $?)" \
	"... known_hosts is still empty"
is "$(emu_ctl count vault)" 0 "... the key passphrase was never fetched"

# StrictHostKeyChecking=yes (the right setting for scripts) never asks
kssh -o UserKnownHostsFile="$T/empty_known_hosts" \
	-o StrictHostKeyChecking=yes sshd-test true
is "$rc" 255 "StrictHostKeyChecking=yes: ssh fails without asking"

done_testing
