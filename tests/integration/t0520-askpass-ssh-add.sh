#!/bin/sh
# t0520: ssh-add unlocks passphrase-protected ed25519 keys into a test
# ssh-agent with azkv-askpass; a wrong passphrase is not retried; the
# agent's "Allow use of key?" confirmation (ssh-add -c) is refused.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

unset AZKV_CONFIG AZKV_IDENTITY AZKV_TIMEOUT AZKV_DEBUG AZKV_TOKEN_CACHE \
	AZKV_IDENTITY_SOURCE AZKV_SECRET AZURE_CLIENT_ID XDG_CONFIG_HOME \
	IDENTITY_ENDPOINT IDENTITY_HEADER IMDS_ENDPOINT MSI_ENDPOINT \
	MSI_SECRET AZURE_FEDERATED_TOKEN_FILE SSH_ASKPASS_PROMPT \
	SSH_AUTH_SOCK SSH_AGENT_PID DISPLAY WAYLAND_DISPLAY
for p in ssh-add ssh-agent ssh-keygen setsid openssl; do
	command -v "$p" >/dev/null 2>&1 || skip_all "$p not installed"
done

emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
export AZKV_CONFIG="$T/config"
: >"$AZKV_CONFIG"


# newkey NAME: an ed25519 key under $T/keys whose passphrase is only in
# the file $T/keys/NAME.pp (and, once set, the vault)
mkdir -p "$T/keys" && chmod 700 "$T/keys"
newkey() {
	openssl rand -hex 16 | tr -d '\n' >"$T/keys/$1.pp"
	ssh-keygen -q -t ed25519 -C "$1" -N "$(cat "$T/keys/$1.pp")" \
		-f "$T/keys/$1"
}
fingerprint() { ssh-keygen -l -f "$T/keys/$1.pub" | cut -d' ' -f2; }

# The agent runs in the foreground (-D) so $! is its PID. Its askpass
# settings matter for the confirmation of ssh-add -c keys.
SSH_AUTH_SOCK=$T/agent.sock
export SSH_AUTH_SOCK
SSH_ASKPASS=azkv-askpass SSH_ASKPASS_REQUIRE=force \
	ssh-agent -D -a "$SSH_AUTH_SOCK" >"$T/agent.log" 2>&1 &
track_pid $!
i=0
while [ ! -S "$SSH_AUTH_SOCK" ] && [ "$i" -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
[ -S "$SSH_AUTH_SOCK" ] || { echo "Bail out! ssh-agent did not start"; exit 1; }

# add ARGS...: ssh-add with no tty and askpass forced
add() {
	SSH_ASKPASS=azkv-askpass SSH_ASKPASS_REQUIRE=force \
		setsid -w ssh-add "$@" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
}
listed() { ssh-add -l 2>/dev/null | grep -cF "$(fingerprint "$1")"; }

# ---- passphrase from the derived default name ------------------------------
newkey one
emu_ctl secret-set "$(emu_secret_name sshkey key "$T/keys/one")" - \
	<"$T/keys/one.pp" >/dev/null
add "$T/keys/one"
is "$rc" 0 "ssh-add with the passphrase from the vault: exit 0"
is "$(listed one)" 1 "... the key is in the agent"
unlike "$(cat "$T/err")" "$(cat "$T/keys/one.pp")" \
	"... the passphrase is not on stderr"

# ---- relative path, passphrase from [key "/absolute/path"] -----------------
newkey two
emu_ctl secret-set key-two - <"$T/keys/two.pp" >/dev/null
printf '[key "%s"]\n\tsecret = key-two\n' "$T/keys/two" >"$AZKV_CONFIG"
(cd "$T/keys" && add two; exit "$rc")
is "$?" 0 "ssh-add of a relative path, [key \"/abs/path\"] secret: exit 0"
is "$(listed two)" 1 "... the key is in the agent"

# ---- wrong passphrase: ssh-add's "Bad passphrase, try again" is refused --------
newkey three
openssl rand -hex 8 | emu_ctl secret-set key-three - >/dev/null
printf '[key "%s"]\n\tsecret = key-three\n' "$T/keys/three" >"$AZKV_CONFIG"
emu_ctl clear-log >/dev/null
add "$T/keys/three"
ok "$([ "$rc" -ne 0 ]; echo $?)" "wrong passphrase: ssh-add fails"
is "$(listed three)" 0 "... the key is not in the agent"
is "$(emu_reads key-three)" 1 \
	"... the vault was read once: the retry prompt is not answered"

# ---- ssh-add -c: unlocked, but every use needs a confirmation -----------------
newkey four
emu_ctl secret-set key-four - <"$T/keys/four.pp" >/dev/null
printf '[key "%s"]\n\tsecret = key-four\n' "$T/keys/four" >"$AZKV_CONFIG"
add -c "$T/keys/four"
is "$rc" 0 "ssh-add -c: the '(will confirm each use)' prompt answered"
is "$(listed four)" 1 "... the key is in the agent"

printf 'data\n' >"$T/data"
ssh-keygen -Y sign -n azkv-test -f "$T/keys/one.pub" "$T/data" \
	</dev/null >/dev/null 2>"$T/err"
is "$?" 0 "signing through the agent with a plain key works"
rm -f "$T/data.sig"
ssh-keygen -Y sign -n azkv-test -f "$T/keys/four.pub" "$T/data" \
	</dev/null >/dev/null 2>"$T/err"
ok "$([ "$?" -ne 0 ]; echo $?)" \
	"signing with an ssh-add -c key fails: the agent's confirm was refused"
ok "$([ ! -s "$T/data.sig" ]; echo $?)" "... no signature was made"
like "$(cat "$T/agent.log")" 'not answering this prompt \(confirmation' \
	"... azkv-askpass refused SSH_ASKPASS_PROMPT=confirm in the agent"

done_testing
