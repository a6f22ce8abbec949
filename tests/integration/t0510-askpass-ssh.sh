#!/bin/sh
# t0510: real OpenSSH ssh and sftp against a throwaway sshd, with
# azkv-askpass as SSH_ASKPASS and no tty: password, keyboard-interactive,
# key passphrase; an unknown host key must not be answered. Root only
# (password users live in a private passwd/shadow in a mount namespace).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"
. "$top_srcdir/tests/integration/sshd.sh"

unset AZKV_CONFIG AZKV_IDENTITY AZKV_TIMEOUT AZKV_DEBUG AZKV_TOKEN_CACHE \
	AZKV_IDENTITY_SOURCE AZKV_SECRET AZURE_CLIENT_ID XDG_CONFIG_HOME \
	IDENTITY_ENDPOINT IDENTITY_HEADER IMDS_ENDPOINT MSI_ENDPOINT \
	MSI_SECRET AZURE_FEDERATED_TOKEN_FILE SSH_ASKPASS_PROMPT \
	SSH_AUTH_SOCK DISPLAY WAYLAND_DISPLAY
for p in ssh sftp ssh-keygen setsid openssl; do
	command -v "$p" >/dev/null 2>&1 || skip_all "$p not installed"
done
sshd_can_password || skip_all "$SSHD_SKIP"

emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
export AZKV_CONFIG="$T/config"
: >"$AZKV_CONFIG"
U=azkvtest

# The password exists only here and in the vault (and as a hash in the
# private shadow file).
openssl rand -hex 24 | tr -d '\n' >"$T/pw"
sshd_user_add "$U" <"$T/pw" || { echo "Bail out! cannot add test user"; exit 1; }
HOMEDIR=$SSHD_DIR/home/$U

PWNAME=$(emu_secret_name ssh "$U" 127.0.0.1)
emu_ctl secret-set "$PWNAME" - <"$T/pw" >/dev/null

# askpass_ssh PROGRAM ARGS...: run an OpenSSH program the way a headless
# script would: no tty (new session), stdin /dev/null, askpass forced.
askpass_ssh() {
	SSH_ASKPASS=azkv-askpass SSH_ASKPASS_REQUIRE=force \
		setsid -w "$@" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
}
accepted() { grep -c "Accepted $1 for $U" "$SSHD_LOG"; }

# ---- password ------------------------------------------------------------
sshd_start "PasswordAuthentication yes" ||
	{ echo "Bail out! sshd did not start"; exit 1; }
SSHOPTS="-F $SSHD_SSH_CONFIG -o NumberOfPasswordPrompts=1 -l $U"
# shellcheck disable=SC2086
askpass_ssh ssh $SSHOPTS -o PreferredAuthentications=password sshd-test \
	'echo "logged in as $(id -un)"'
is "$rc" 0 "ssh password login with the password from the vault: exit 0"
is "$(cat "$T/out")" "logged in as $U" "... the remote command ran as $U"
is "$(accepted password)" 1 "... sshd logged one accepted password login"
unlike "$(cat "$T/err")" "$(cat "$T/pw")" "... the password is not on stderr"
is "$(emu_reads "$PWNAME")" 1 \
	"... askpass read the derived secret $PWNAME once"

# sftp (OpenSSH) uses the same askpass; commands on stdin, no batch mode
printf 'upload me\n' >"$T/upload.txt"
printf 'put %s up.txt\nquit\n' "$T/upload.txt" >"$T/sftp.cmds"
# shellcheck disable=SC2086
SSH_ASKPASS=azkv-askpass SSH_ASKPASS_REQUIRE=force setsid -w sftp \
	-F "$SSHD_SSH_CONFIG" -o NumberOfPasswordPrompts=1 \
	-o PreferredAuthentications=password "$U@sshd-test" \
	<"$T/sftp.cmds" >"$T/out" 2>"$T/err"
is "$?" 0 "sftp password login and upload: exit 0"
is "$(cat "$HOMEDIR/up.txt" 2>/dev/null)" "upload me" "... the file arrived"

# a wrong password in the vault is tried once, then ssh gives up
openssl rand -hex 8 | emu_ctl secret-set "$PWNAME" - >/dev/null
emu_ctl clear-log >/dev/null
# shellcheck disable=SC2086
askpass_ssh ssh $SSHOPTS -o PreferredAuthentications=password sshd-test true
is "$rc" 255 "wrong password: ssh fails (255)"
like "$(cat "$T/err")" 'Permission denied' "... permission denied"
is "$(emu_reads "$PWNAME")" 1 \
	"... NumberOfPasswordPrompts=1: askpass asked once"
is "$(accepted password)" 2 "... no further accepted login (sftp was #2)"
emu_ctl secret-set "$PWNAME" - <"$T/pw" >/dev/null

# git over ssh: ssh's askpass runs while git's protocol pipe is stdin
if command -v git >/dev/null 2>&1; then
	git init -q -b main "$T/gsrc" && printf 'over ssh\n' >"$T/gsrc/f" &&
	git -C "$T/gsrc" add f &&
	git -C "$T/gsrc" -c user.name=t -c user.email=t@t commit -q -m one &&
	git clone -q --bare "$T/gsrc" "$HOMEDIR/r.git" &&
	chown -R "$(stat -c %u:%g "$HOMEDIR")" "$HOMEDIR/r.git"
	gssh="ssh -F $SSHD_SSH_CONFIG -o NumberOfPasswordPrompts=1"
	gssh="$gssh -o PreferredAuthentications=password"
	GIT_SSH_COMMAND=$gssh GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
		askpass_ssh git clone -q "$U@sshd-test:r.git" "$T/gclone"
	is "$rc" 0 "git clone over ssh with the password from the vault"
	is "$(cat "$T/gclone/f" 2>/dev/null)" "over ssh" "... the content arrived"
else
	skip "git not installed"
	skip "git not installed"
fi

# ---- unknown host key: never answered -------------------------------------
: >"$T/empty_known_hosts"
rm -f "$HOMEDIR/hostkey-marker"
logins_before=$(accepted password)
emu_ctl clear-log >/dev/null
# shellcheck disable=SC2086
AZKV_DEBUG=1 askpass_ssh ssh $SSHOPTS \
	-o UserKnownHostsFile="$T/empty_known_hosts" \
	-o StrictHostKeyChecking=ask -o PreferredAuthentications=password \
	sshd-test "touch $HOMEDIR/hostkey-marker"
is "$rc" 255 "unknown host key with StrictHostKeyChecking=ask: ssh fails"
like "$(cat "$T/err")" 'Host key verification failed' \
	"... ssh says host key verification failed"
like "$(cat "$T/err")" 'not answering this prompt \(host key question\)' \
	"... because azkv-askpass refused the host key question"
ok "$([ ! -e "$HOMEDIR/hostkey-marker" ]; echo $?)" \
	"... the remote command never ran"
is "$(accepted password)" "$logins_before" "... sshd accepted no login"
ok "$([ ! -s "$T/empty_known_hosts" ]; echo $?)" \
	"... the host key was not added to known_hosts"
is "$(emu_ctl count vault)" 0 "... and the vault was never asked"

# ---- passphrase-protected key ---------------------------------------------
mkdir -p "$T/keys" && chmod 700 "$T/keys"
openssl rand -hex 16 | tr -d '\n' >"$T/pp"
ssh-keygen -q -t ed25519 -C enc -N "$(cat "$T/pp")" -f "$T/keys/enc" ||
	{ echo "Bail out! ssh-keygen failed"; exit 1; }
cat "$T/keys/enc.pub" >>"$SSHD_DIR/authorized_keys"
emu_ctl secret-set enc-key-pp - <"$T/pp" >/dev/null
printf '[key "%s"]\n\tsecret = enc-key-pp\n' "$T/keys/enc" >"$AZKV_CONFIG"
# shellcheck disable=SC2086
askpass_ssh ssh $SSHOPTS -o PreferredAuthentications=publickey \
	-o IdentityFile="$T/keys/enc" sshd-test 'echo key-ok'
is "$rc" 0 "ssh with an encrypted key, passphrase from [key \"path\"]: exit 0"
is "$(cat "$T/out")" "key-ok" "... the remote command ran"
fp=$(ssh-keygen -l -f "$T/keys/enc.pub" | cut -d' ' -f2)
grep "Accepted publickey for $U" "$SSHD_LOG" | grep -qF "$fp"
ok "$?" "... sshd accepted the encrypted key ($fp), not another one"
: >"$AZKV_CONFIG"

# ---- keyboard-interactive through PAM ----------------------------------------
sshd_stop
if sshd_start "UsePAM yes" "KbdInteractiveAuthentication yes" \
    "PasswordAuthentication no"; then
	# shellcheck disable=SC2086
	AZKV_DEBUG=1 askpass_ssh ssh -F "$SSHD_SSH_CONFIG" \
		-o NumberOfPasswordPrompts=1 -l "$U" \
		-o PreferredAuthentications=keyboard-interactive sshd-test \
		'echo kbdint-ok'
	is "$rc" 0 "keyboard-interactive (PAM) login: exit 0"
	is "$(cat "$T/out")" "kbdint-ok" "... the remote command ran"
	like "$(cat "$T/err")" 'matched rule ssh-kbdint' \
		"... answered the '($U@127.0.0.1) Password: ' prompt"
	like "$(cat "$SSHD_LOG")" "Accepted keyboard-interactive/pam for $U" \
		"... sshd logged a keyboard-interactive login"
else
	skip "sshd with UsePAM did not start"
fi

done_testing
