#!/bin/sh
# t0402-git-failures.sh: real failures print one line on stderr naming the
# cause, nothing on stdout, exit 1; git then moves on. Bounded by AZKV_TIMEOUT.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"
. "$top_srcdir/tests/integration/gitcred.sh"

emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
AZKV_TIMEOUT=8
export AZKV_TIMEOUT
emu_ctl secret-set pat 'hunter2' >/dev/null
closed_port=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

# A failure check: exit 1, empty stdout, exactly one stderr line matching ERE.
fail_check() {	# DESC ERE HELPER-ARGS... (input: $req)
	fc_desc=$1 fc_re=$2
	shift 2
	gc_check "$fc_desc" 1 "$@" <<EOF
$req
--
--
~^git-credential-azkv: .*($fc_re)
EOF
	unlike "$(cat "$T/gc-err")" 'hunter2|store-pass' "$fc_desc: no secret on stderr"
}

req='protocol=https
host=example.com
username=alice'

GC_ENV="AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:$closed_port"
fail_check "no managed identity (IMDS refuses connections)" 'identity|IMDS|connect' \
	--secret pat get
fail_check "no managed identity, store mode get" 'identity|IMDS|connect' get
GC_ENV=

emu_ctl perms system none >/dev/null
fail_check "403 on a mapped secret" '403|denied' --secret pat get
fail_check "403 in store mode" '403|denied' get
emu_ctl perms system get,list >/dev/null
saved=$req
req="$req
password=store-pass"
fail_check "403 on write" '403|denied' store
req=$saved
emu_ctl perms system all >/dev/null

GC_ENV="AZKV_VAULT=https://$EMU_VAULT_HOST:$closed_port"
fail_check "vault unreachable" 'connect|network|refused|reach' --secret pat get
GC_ENV=

emu_ctl fault vault hang >/dev/null
GC_ENV="AZKV_TIMEOUT=3"
fail_check "vault hangs: deadline" 'deadline|timed? ?out|timeout' --secret pat get
GC_ENV=
emu_ctl fault vault clear >/dev/null

emu_ctl fault imds 500x* >/dev/null
GC_ENV="AZKV_TIMEOUT=3 AZKV_TOKEN_CACHE=off"
fail_check "identity endpoint keeps failing" 'identity|token|500|deadline|timeout' --secret pat get
GC_ENV=
emu_ctl fault imds clear >/dev/null

emu_ctl secret-set disabled 'x' --enabled false >/dev/null
fail_check "disabled secret" 'disabled|Disabled' --secret disabled get

GC_ENV="AZKV_VAULT="
fail_check "no vault configured" 'vault' get
GC_ENV=

mkdir -p "$HOME/.config/azkv"
printf '[git "https://example.com"\n' >"$HOME/.config/azkv/config"
gc_check "config file error: exit 2, one line naming file and line" 2 get <<EOF
$req
--
--
~^git-credential-azkv: .*config:1: 
EOF
rm -f "$HOME/.config/azkv/config"

# The store lock lives in the token cache's directory, under its trust rules.
req_lock='protocol=https
host=lock.example
username=alice
password=store-pass'
lname=$(gc_name https lock.example)
mkdir -p "$XDG_RUNTIME_DIR/azkv"
chmod 755 "$XDG_RUNTIME_DIR/azkv"
gc_check "untrusted lock directory: store refused" 1 store <<EOF
$req_lock
--
--
~^git-credential-azkv: cannot lock '$lname': .*untrusted
EOF
is "$(gc_show "$lname" versions)" none "untrusted lock directory: nothing written"
chmod 700 "$XDG_RUNTIME_DIR/azkv"

# A held lock is waited for at most the timeout setting, from the config
# file too.
lfile=$XDG_RUNTIME_DIR/azkv/$lname.lock
: >"$lfile"
chmod 600 "$lfile"
sh -c 'exec 8>>"$1" && flock 8 && exec sleep 600' sh "$lfile" &
holder=$!
track_pid "$holder"
i=0
while flock -n "$lfile" true && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
printf '[azkv]\n\ttimeout = 2\n' >"$HOME/.config/azkv/config"
GC_ENV="AZKV_TIMEOUT="
gc_check "held lock: waits the config file's timeout, then fails" 1 store <<EOF
$req_lock
--
--
~^git-credential-azkv: cannot lock '$lname': held by another process .*\(2 s\)
EOF
GC_ENV=
rm -f "$HOME/.config/azkv/config"
kill "$holder"
wait "$holder" 2>/dev/null
is "$(gc_show "$lname" versions)" none "held lock: nothing written"

# The helper works again once the cause is gone.
gc_check "recovered" 0 --secret pat get <<EOF
$req
--
username=alice
password=hunter2
--
EOF

done_testing
