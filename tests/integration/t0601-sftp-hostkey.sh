#!/bin/sh
# azkv-sftp host keys: known_hosts match, unknown, changed, pin,
# --accept-new, hashed entries, a known type other than libssh2's default.
# Nothing secret is fetched (no vault request) before the key is trusted.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/sftp.sh"
[ -x /usr/sbin/sshd ] || skip_all "/usr/sbin/sshd not installed"
# the server has an ECDSA key too: libssh2 1.10 would pick it by default
ssh-keygen -q -t ecdsa -N '' -f "$T/host_ecdsa" || exit 1
sftp_setup "HostKey $T/host_ecdsa"
dst="$SFTP_USER@127.0.0.1:$R"
printf 'x\n' >"$L/x"
edfp=$(ssh-keygen -lf "$SSHD_HOST_KEY_PUB" | cut -d' ' -f2)
ecfp=$(ssh-keygen -lf "$T/host_ecdsa.pub" | cut -d' ' -f2)
hp="[127.0.0.1]:$SSHD_PORT"
re() { printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'; }	# ERE-quote

run() {	# run KNOWN_HOSTS ARGS...: azkv-sftp with that known_hosts file
	kh=$1
	shift
	OUT=$(azkv-sftp --known-hosts "$kh" -P "$SSHD_PORT" --no-progress \
		--key-secret sshkey "$@" 2>&1)
	RC=$?
}
vault_requests() { emu_ctl count vault; }

run "$SSHD_KNOWN_HOSTS" "$L/x" "$dst/match"
is "$RC" 0 "known ed25519 key: exit 0"
ok "$([ -f "$R/match" ]; echo $?)" "known key: uploaded"

# unknown host: exit 6, fingerprint shown, no secret fetched, nothing sent
: >"$T/empty_kh"
v0=$(vault_requests)
i0=$(emu_ctl count imds)
run "$T/empty_kh" "$L/x" "$dst/unknown"
is "$RC" 6 "unknown host key: exit 6"
like "$OUT" "ssh-ed25519 $(re "$edfp")" "unknown host key: type and SHA256 fingerprint shown"
like "$OUT" "--accept-new" "unknown host key: says how to trust it"
is "$(vault_requests)" "$v0" "unknown host key: no vault request"
is "$(emu_ctl count imds)" "$i0" "unknown host key: no token request"
ok "$([ ! -e "$R/unknown" ]; echo $?)" "unknown host key: nothing uploaded"

# the default files: ~/.ssh/known_hosts (HOME is the test's) is absent
OUT=$(azkv-sftp -P "$SSHD_PORT" --no-progress --key-secret sshkey \
	"$L/x" "$dst/default" 2>&1)
is "$?" 6 "no known_hosts at all: exit 6"

# changed key
ssh-keygen -q -t ed25519 -N '' -f "$T/other" || exit 1
printf '%s %s\n' "$hp" "$(cut -d' ' -f1,2 "$T/other.pub")" >"$T/changed_kh"
run "$T/changed_kh" "$L/x" "$dst/changed"
is "$RC" 6 "changed host key: exit 6"
like "$OUT" "CHANGED" "changed host key: warns loudly"
is "$(vault_requests)" "$v0" "changed host key: no vault request"
run "$T/changed_kh" --accept-new "$L/x" "$dst/changed"
is "$RC" 6 "changed host key with --accept-new: still exit 6"
ok "$([ ! -e "$R/changed" ]; echo $?)" "changed host key: nothing uploaded"

# only the ECDSA key is known: asked for before the handshake
printf '%s %s\n' "$hp" "$(cut -d' ' -f1,2 "$T/host_ecdsa.pub")" >"$T/ecdsa_kh"
run "$T/ecdsa_kh" -v "$L/x" "$dst/ecdsa"
is "$RC" 0 "ECDSA-only known_hosts entry: exit 0"
like "$OUT" "host key ecdsa-sha2-nistp256" "ECDSA-only entry: ECDSA negotiated"

# hashed entries (ssh-keygen -H), ed25519 only
cp "$SSHD_KNOWN_HOSTS" "$T/hashed_kh"
ssh-keygen -q -H -f "$T/hashed_kh" >/dev/null 2>&1
like "$(cat "$T/hashed_kh")" '^\|1\|' "(known_hosts is hashed)"
run "$T/hashed_kh" "$L/x" "$dst/hashed"
is "$RC" 0 "hashed known_hosts entry: exit 0"

# lines libssh2 1.10 cannot parse do not hide the entries after them
{
	echo "# a comment"
	echo "@cert-authority *.example.com $(cut -d' ' -f1,2 "$T/other.pub")"
	echo "*.example.org,!bad.example.org $(cut -d' ' -f1,2 "$T/other.pub")"
	echo "garbage"
	cat "$SSHD_KNOWN_HOSTS"
} >"$T/mixed_kh"
run "$T/mixed_kh" "$L/x" "$dst/mixed"
is "$RC" 0 "markers, patterns and junk before the entry: exit 0"

# a @revoked key is refused even when listed as known
{
	cat "$SSHD_KNOWN_HOSTS"
	echo "@revoked * $(cut -d' ' -f1,2 "$SSHD_HOST_KEY_PUB")"
} >"$T/revoked_kh"
run "$T/revoked_kh" "$L/x" "$dst/revoked"
is "$RC" 6 "@revoked host key: exit 6"
like "$OUT" "revoked" "@revoked host key: says so"

# a pin
run "$T/empty_kh" --host-key "$edfp" "$L/x" "$dst/pinned"
is "$RC" 0 "--host-key with the right fingerprint: exit 0"
ok "$([ -f "$R/pinned" ]; echo $?)" "--host-key: uploaded"
v1=$(vault_requests)
run "$SSHD_KNOWN_HOSTS" --host-key "$ecfp" "$L/x" "$dst/badpin"
is "$RC" 6 "--host-key with another key's fingerprint: exit 6"
like "$OUT" "$(re "$edfp")" "wrong pin: the offered fingerprint is shown"
is "$(vault_requests)" "$v1" "wrong pin: no vault request"
run "$SSHD_KNOWN_HOSTS" --host-key "md5:00" "$L/x" "$dst/badpin"
is "$RC" 2 "--host-key that is not SHA256: usage error"

# trust on first use
: >"$T/new_kh"
run "$T/new_kh" --accept-new "$L/x" "$dst/tofu"
is "$RC" 0 "--accept-new: exit 0"
like "$OUT" "added ssh-ed25519 $(re "$edfp")" "--accept-new: says what it added"
ssh-keygen -F "$hp" -f "$T/new_kh" >/dev/null 2>&1
is "$?" 0 "--accept-new: OpenSSH finds the new entry"
run "$T/new_kh" "$L/x" "$dst/tofu2"
is "$RC" 0 "after --accept-new: known without the flag"
ssh -F "$SSHD_SSH_CONFIG" -o UserKnownHostsFile="$T/new_kh" \
	-o StrictHostKeyChecking=yes -o BatchMode=yes -l "$SFTP_USER" \
	sshd-test true </dev/null >/dev/null 2>&1
is "$?" 0 "OpenSSH ssh trusts the entry azkv-sftp wrote"
mkdir -p "$HOME/.ssh"
OUT=$(azkv-sftp -P "$SSHD_PORT" --no-progress --key-secret sshkey \
	--accept-new "$L/x" "$dst/tofu3" 2>&1)
is "$?" 0 "--accept-new with the default file: exit 0"
ok "$(grep -q "^\[127.0.0.1\]:$SSHD_PORT ssh-ed25519 " "$HOME/.ssh/known_hosts"; echo $?)" \
	"--accept-new: appended to ~/.ssh/known_hosts"

done_testing
