#!/bin/sh
# t0700: no secret or token left behind: every program runs under the
# residue shim (tests/residue/residue.c checks each block at free() and
# realloc()), and the secret is in no child's argv or environment, not on
# stderr at -v, in no file; the programs are not dumpable.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"
. "$top_srcdir/tests/integration/sshd.sh"

unset AZKV_CONFIG AZKV_IDENTITY AZKV_TIMEOUT AZKV_DEBUG AZKV_TOKEN_CACHE \
	AZKV_IDENTITY_SOURCE AZKV_SECRET AZURE_CLIENT_ID XDG_CONFIG_HOME \
	IDENTITY_ENDPOINT IDENTITY_HEADER IMDS_ENDPOINT MSI_ENDPOINT \
	MSI_SECRET AZURE_FEDERATED_TOKEN_FILE SSH_ASKPASS_PROMPT \
	SSH_AUTH_SOCK DISPLAY WAYLAND_DISPLAY

# The shim replaces free(); a sanitizer or valgrind replaces it too.
real=$top_builddir/.libs/azkv
[ -f "$real" ] || real=$top_builddir/azkv
if ldd "$real" 2>/dev/null | grep -q 'lib[at]san'; then
	skip_all "sanitizer build: ASan owns malloc/free (it checks this suite itself)"
fi
[ -z "${AZKV_VALGRIND:-}" ] ||
	skip_all "under valgrind: valgrind owns malloc/free"
CC_=${CC:-cc}
command -v "$CC_" >/dev/null 2>&1 || skip_all "no C compiler ($CC_) for the shim"
"$CC_" -shared -fPIC -O1 -o "$T/residue.so" \
	"$top_srcdir/tests/residue/residue.c" 2>"$T/cc.err" ||
	skip_all "cannot build the residue shim: $(head -n 1 "$T/cc.err")"

emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
mkdir -p "$T/tmp" "$T/work"
TMPDIR=$T/tmp
export TMPDIR
cd "$T/work" || exit 1

# ---- test data: the secret, a git password, and the one token ----------
S=Rz7-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
GITPW=Gp4-gitpass-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
emu_ctl secret-set resid "$S" >/dev/null
# The token comes from the emulator's control port, not from a program under
# test; IMDS then answers every token request with exactly that token.
TOK=$(emu_ctl token system https://vault.azure.net)
body=$("$PYTHON3" -c '
import json, sys, time, urllib.parse
now = int(time.time())
b = {"access_token": sys.argv[1], "refresh_token": "",
     "expires_in": "86399", "expires_on": str(now + 86399),
     "not_before": str(now), "resource": "https://vault.azure.net",
     "token_type": "Bearer"}
print(urllib.parse.quote(json.dumps(b, separators=(",", ":")), safe=""))
' "$TOK")
emu_ctl fault imds "200x*:body=$body" >/dev/null
ok "$([ ${#TOK} -gt 100 ]; echo $?)" "test token minted by the emulator (${#TOK} bytes)"

N=$T/needles
printf '%s\n%s\n%s\n' "$S" "$TOK" "$GITPW" >"$N"
REP=$T/residue.report
: >"$REP"

# shim CMD...: run CMD with the shim (a script, so strace can run it too)
printf '#!/bin/sh\nLD_PRELOAD=%s AZKV_RESIDUE_FILE=%s AZKV_RESIDUE_REPORT=%s exec "$@"\n' \
	"$T/residue.so" "$N" "$REP" >"$T/shim"
chmod 755 "$T/shim"
shim() { "$T/shim" "$@"; }
# no_residue DESCRIPTION: the report is empty (then cleared)
no_residue() {
	if [ -s "$REP" ]; then
		ok 1 "$1: no secret or token in freed memory"
		sed 's/^/#   /' "$REP" | head -n 20
		: >"$REP"
	else
		ok 0 "$1: no secret or token in freed memory"
	fi
}
# st WANT-STATUS:STDOUT GOT DESCRIPTION: `is`, with stderr shown on failure
st() {
	is "$1" "$2" "$3"
	[ "$1" = "$2" ] || sed 's/^/#   stderr: /' "$T/err" | tail -n 5
}
# clean FILE DESCRIPTION: neither the secret, the git password nor the token
clean() {
	if grep -aqF -e "$S" -e "$GITPW" -e "$TOK" "$1" 2>/dev/null; then
		ok 1 "$2"
		grep -aoF -e "$S" -e "$GITPW" -e "$TOK" "$1" | sort -u |
			sed 's/^\(.\{12\}\).*/#   found: \1.../'
	else
		ok 0 "$2"
	fi
}

# The shim itself must catch a leak, or an empty report proves nothing.
printf '#include <stdlib.h>\n#include <string.h>\nint main(int c, char **v)
{ char *p = malloc(64); (void)c; strcpy(p, v[1]); free(p); return 0; }\n' \
	>"$T/leaky.c"
if "$CC_" -o "$T/leaky" "$T/leaky.c" 2>/dev/null; then
	shim "$T/leaky" "$S"
	ok "$([ -s "$REP" ]; echo $?)" "the shim reports a freed block holding the secret"
	: >"$REP"
else
	skip "cannot build the shim self-check"
fi

# strace -f of every execve (argv and envp), when strace works here
if command -v strace >/dev/null 2>&1 &&
    strace -f -qq -e trace=execve -o /dev/null true 2>/dev/null; then
	trace() {	# trace NAME CMD...: execve log in $T/exec.NAME
		tn=$1
		shift
		strace -f -qq -e trace=execve -v -s 8192 -o "$T/exec.$tn" "$@"
	}
else
	trace() { shift; "$@"; }
	diag "strace unusable: child argv/environ checks skipped"
fi
traced() {	# traced NAME DESCRIPTION
	if [ -f "$T/exec.$1" ]; then
		clean "$T/exec.$1" "$2: secret and token in no execve argv/envp"
	else
		skip "$2: strace unusable"
	fi
}

# ---- azkv get / set / token (cold cache, then warm) --------------------
rm -rf "$XDG_RUNTIME_DIR/azkv"
trace get "$T/shim" azkv -v get resid >"$T/out" 2>"$T/err"
st "$?:$(cat "$T/out")" "0:$S" "azkv get (cold): exit 0 and the value"
no_residue "azkv get (cold)"
clean "$T/err" "azkv -v get: stderr holds no secret or token"
traced get "azkv get"
like "$(cat "$T/err")" 'debug' "azkv -v get: stderr has debug lines"

shim azkv -v get resid >"$T/out" 2>"$T/err"
st "$?:$(cat "$T/out")" "0:$S" "azkv get (warm): exit 0 and the value"
no_residue "azkv get (warm)"
clean "$T/err" "azkv -v get (warm): stderr clean"

shim azkv -v get resid --json >"$T/out" 2>"$T/err"
is "$?" 0 "azkv get --json: exit 0"
no_residue "azkv get --json"
clean "$T/err" "azkv get --json: stderr clean"

printf '%s' "$S" | trace set "$T/shim" azkv -v set resid-copy >"$T/out" 2>"$T/err"
st "$?" 0 "azkv set (value on stdin): exit 0"
no_residue "azkv set"
clean "$T/err" "azkv -v set: stderr clean"
clean "$T/out" "azkv set: stdout clean"
traced set "azkv set"
is "$(emu_ctl secret-show resid-copy | grep -c "$S")" 1 "azkv set: the emulator got the value"

# ---- git-credential-azkv: mapped get, store-mode store and get --------
printf 'protocol=https\nhost=git.example.com\n\n' >"$T/gc.in"
rm -rf "$XDG_RUNTIME_DIR/azkv"	# cold: the helper fetches the token itself
trace gcget "$T/shim" git-credential-azkv -v --secret resid get <"$T/gc.in" \
	>"$T/out" 2>"$T/err"
st "$?:$(grep -c "^password=$S\$" "$T/out")" "0:1" "git-credential-azkv get (mapped): the password"
no_residue "git-credential-azkv get"
clean "$T/err" "git-credential-azkv -v get: stderr clean"
traced gcget "git-credential-azkv get"

printf 'protocol=https\nhost=store.example.com\nusername=alice\npassword=%s\n\n' \
	"$GITPW" >"$T/gc.in"
trace gcstore "$T/shim" git-credential-azkv -v store <"$T/gc.in" >"$T/out" 2>"$T/err"
st "$?" 0 "git-credential-azkv store: exit 0"
no_residue "git-credential-azkv store"
clean "$T/err" "git-credential-azkv -v store: stderr clean"
traced gcstore "git-credential-azkv store"
printf 'protocol=https\nhost=store.example.com\nusername=alice\n\n' >"$T/gc.in"
shim git-credential-azkv get <"$T/gc.in" >"$T/out" 2>"$T/err"
is "$(grep -c "^password=$GITPW\$" "$T/out")" 1 "git-credential-azkv get (store mode): the stored password"
no_residue "git-credential-azkv get (store mode)"

# real git running the helper: its argv and environment (strace -f)
if command -v git >/dev/null 2>&1; then
	printf 'protocol=https\nhost=git.example.com\n\n' |
		trace gitfill env GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 \
		git -c credential.helper= \
		-c "credential.helper=azkv -v --secret resid --username alice" credential fill \
		>"$T/out" 2>"$T/err"
	st "$?:$(grep -c "^password=$S\$" "$T/out")" "0:1" "git credential fill through the helper"
	traced gitfill "git credential fill (git and its helper)"
else
	skip "git not installed"
fi

# ---- azkv-askpass: directly and as ssh's SSH_ASKPASS -------------------
mkdir -p "$T/keys" && chmod 700 "$T/keys"
: >"$T/keys/id_test"
export AZKV_CONFIG=$T/config
printf '[key "%s"]\n\tsecret = resid\n' "$T/keys/id_test" >"$AZKV_CONFIG"
rm -rf "$XDG_RUNTIME_DIR/azkv"
trace ap "$T/shim" azkv-askpass "Enter passphrase for key '$T/keys/id_test': " \
	</dev/null >"$T/out" 2>"$T/err"
st "$?:$(cat "$T/out")" "0:$S" "azkv-askpass: the passphrase"
no_residue "azkv-askpass"
shim env AZKV_DEBUG=1 azkv-askpass "Enter passphrase for key '$T/keys/id_test': " \
	</dev/null >/dev/null 2>"$T/err"
clean "$T/err" "azkv-askpass with AZKV_DEBUG=1: stderr clean"
no_residue "azkv-askpass (debug)"
traced ap "azkv-askpass"

# ssh unlocking a passphrase-protected key through azkv-askpass
if [ -x "$SSHD_BIN" ] && command -v ssh >/dev/null 2>&1 &&
    command -v setsid >/dev/null 2>&1; then
	set --
	[ "$(id -u)" -eq 0 ] && set -- "PermitRootLogin prohibit-password"
	if sshd_start "$@"; then
		ssh-keygen -q -t ed25519 -C enc -N "$S" -f "$T/keys/enc"
		cp "$T/keys/enc.pub" "$SSHD_DIR/authorized_keys"
		printf '[key "%s"]\n\tsecret = resid\n' "$T/keys/enc" >"$AZKV_CONFIG"
		# SSH_ASKPASS runs the helper under the shim; ssh itself is not
		printf '#!/bin/sh\nexec %s azkv-askpass "$@"\n' "$T/shim" \
			>"$T/askpass-shim"
		chmod 755 "$T/askpass-shim"
		trace ssh env SSH_ASKPASS="$T/askpass-shim" \
			SSH_ASKPASS_REQUIRE=force setsid -w ssh -F "$SSHD_SSH_CONFIG" \
			-o IdentityFile="$T/keys/enc" \
			-o PreferredAuthentications=publickey -l "$(id -un)" \
			sshd-test true </dev/null >"$T/out" 2>"$T/err"
		fp=$(ssh-keygen -l -f "$T/keys/enc.pub" | cut -d' ' -f2)
		is "$(grep 'Accepted publickey' "$SSHD_LOG" | grep -cF "$fp")" 1 \
			"ssh unlocked the key with the passphrase from azkv-askpass"
		no_residue "azkv-askpass run by ssh"
		traced ssh "ssh and azkv-askpass"
		clean "$T/err" "ssh + azkv-askpass: stderr clean"

		# ---- azkv-sftp with the key passphrase from the vault ----
		emu_ctl secret-set sftpkey - <"$T/keys/enc" >/dev/null
		KEYLINE=$(sed -n 2p "$T/keys/enc")
		printf '%s\n' "$KEYLINE" >>"$N"
		mkdir -p "$T/remote"
		printf 'payload\n' >"$T/work/up.txt"
		rm -rf "$XDG_RUNTIME_DIR/azkv"
		trace sftp "$T/shim" azkv-sftp -v --known-hosts "$SSHD_KNOWN_HOSTS" \
			-P "$SSHD_PORT" --no-progress --key-secret sftpkey \
			--passphrase-secret resid "$T/work/up.txt" \
			"$(id -un)@127.0.0.1:$T/remote/" >"$T/out" 2>"$T/err"
		st "$?:$(cat "$T/remote/up.txt" 2>/dev/null)" "0:payload" \
			"azkv-sftp: key and passphrase from the vault, uploaded"
		no_residue "azkv-sftp"
		clean "$T/err" "azkv-sftp -v: stderr clean"
		if grep -aqF -e "$KEYLINE" "$T/err" "$T/out"; then
			ok 1 "azkv-sftp: private key not in its output"
		else
			ok 0 "azkv-sftp: private key not in its output"
		fi
		traced sftp "azkv-sftp"
	else
		skip "sshd did not start: ssh and azkv-sftp checks"
	fi
else
	skip "no sshd/ssh/setsid: ssh and azkv-sftp checks"
fi

# ---- files: the secret is in no file; the token only in the cache file --
hits=$(grep -rlaF -e "$S" -e "$GITPW" "$HOME" "$XDG_RUNTIME_DIR" "$TMPDIR" \
	"$T/work" 2>/dev/null)
is "$hits" "" "no file under HOME, XDG_RUNTIME_DIR, TMPDIR or the cwd holds a secret"
cache=$(grep -rlaF -e "$TOK" "$XDG_RUNTIME_DIR" "$HOME" "$TMPDIR" "$T/work" 2>/dev/null)
like "$cache" "^$XDG_RUNTIME_DIR/azkv/[^/]+\$" \
	"the token is only in the token cache file (one file, by design)"
is "$(stat -c %a "$cache" 2>/dev/null)" 600 "... which is 0600"

# ---- not dumpable, no core files: a process stopped against a hung IMDS --
# Observable: the kernel makes /proc/PID/* of a non-dumpable process owned by
# root, so the owner differs from the process's own uid; this needs a non-root
# uid (as root the program runs as nobody through setpriv).
emu_ctl fault imds 'hangx*' >/dev/null
as=
if [ "$(id -u)" -eq 0 ]; then
	if command -v setpriv >/dev/null 2>&1; then
		as="setpriv --reuid=65534 --regid=65534 --clear-groups"
	fi
fi
if [ "$(id -u)" -eq 0 ] && [ -z "$as" ]; then
	skip "as root without setpriv: cannot observe dumpability"
	skip "as root without setpriv: cannot observe the core limit"
else
	# dumpcheck NAME CMD...: CMD blocks on the hung IMDS; inspect it
	dumpcheck() {
		dn=$1
		shift
		env -u AZKV_CONFIG AZKV_CAFILE="$T/pub/ca.pem" HOME=/nonexistent \
			XDG_RUNTIME_DIR= AZKV_TOKEN_CACHE=off AZKV_TIMEOUT=30 \
			AZKV_SECRET=resid $as "$@" <"$T/dump.in" >/dev/null 2>&1 &
		pid=$!
		track_pid "$pid"
		i=0
		while [ "$i" -lt 100 ]; do
			grep -q 'Max core file size *0 *0' "/proc/$pid/limits" \
				2>/dev/null && break
			i=$((i + 1))
			sleep 0.1
		done
		uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
		owner=$(stat -c %u "/proc/$pid/status" 2>/dev/null)
		like "$(grep 'Max core file size' "/proc/$pid/limits" 2>/dev/null)" \
			'Max core file size +0 +0 ' "$dn: core file size limit is 0 (soft and hard)"
		if [ -n "$uid" ] && [ "$uid" -ne 0 ] && [ "$owner" = 0 ]; then
			ok 0 "$dn: not dumpable (/proc/PID owned by root, process uid $uid)"
		else
			ok 1 "$dn: not dumpable (/proc/PID owned by root, process uid $uid)"
			diag "uid=$uid owner=$owner"
		fi
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	}
	# the test CA (public) where the other uid can read it
	mkdir -p "$T/pub" && cp "$EMU_CA" "$T/pub/ca.pem" &&
		chmod 755 "$T/pub" && chmod 644 "$T/pub/ca.pem"
	[ -n "$as" ] && chmod 711 "$T"
	printf 'protocol=https\nhost=git.example.com\n\n' >"$T/dump.in"
	dumpcheck azkv "$top_builddir/azkv" get resid
	dumpcheck git-credential-azkv "$top_builddir/git-credential-azkv" \
		--secret resid get
	dumpcheck azkv-askpass "$top_builddir/azkv-askpass" \
		"Enter passphrase for key '/nonexistent/id': "
fi
emu_ctl fault imds clear >/dev/null

done_testing
