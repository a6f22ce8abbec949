#!/bin/sh
# t0102: the per-user token cache shared by azkv processes: reuse, the herd
# lock, refresh, and cache files that must never be trusted.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

unset AZKV_IDENTITY AZKV_IDENTITY_SOURCE AZURE_CLIENT_ID AZKV_CONFIG \
	AZKV_TIMEOUT AZKV_DEBUG AZKV_TOKEN_CACHE IDENTITY_ENDPOINT \
	IDENTITY_HEADER IMDS_ENDPOINT MSI_ENDPOINT MSI_SECRET AZURE_TENANT_ID \
	AZURE_FEDERATED_TOKEN_FILE AZURE_AUTHORITY_HOST XDG_CONFIG_HOME
emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env

AZKV=$top_builddir/azkv
run() { erun "$AZKV" "$@"; }
erun() {
	env "$@" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}
count() { emu_ctl count imds; }
D=$XDG_RUNTIME_DIR/azkv
# tokfile: the one cache file
tokfile() { ls "$D"/*.tok 2>/dev/null | head -n 1; }
# cache_edit FILE KEY=VALUE...: rewrite fields of a cache document (numbers
# as given, "now+N"/"now-N" relative to now; strings otherwise)
cache_edit() {
	"$PYTHON3" - "$@" <<'EOF'
import json, sys, time
path, edits = sys.argv[1], sys.argv[2:]
d = json.load(open(path))
for e in edits:
	k, v = e.split("=", 1)
	if v.startswith("now"):
		d[k] = int(time.time()) + int(v[3:] or 0)
	elif v.lstrip("-").isdigit():
		d[k] = int(v)
	else:
		d[k] = v
open(path + ".new", "w").write(json.dumps(d))
EOF
}
mode_of() { stat -c %a "$1"; }
fresh() { rm -rf "$D"; emu_ctl clear-log >/dev/null; }

# --- reuse ---------------------------------------------------------------------
fresh
run token
is "$rc" 0 "cold: exit 0"
tok1=$out
is "$(count)" 1 "cold: one identity request"
f=$(tokfile)
ok "$([ -n "$f" ] && [ -f "$f" ]; echo $?)" "cold: cache file written"
is "$(mode_of "$D")" 700 "cache directory is 0700"
is "$(mode_of "$f")" 600 "cache file is 0600"
ls "$D" | grep -q '\.tmp\.' && ok 1 "no temp files left" || ok 0 "no temp files left"

run token
is "$rc" 0 "warm: exit 0"
is "$out" "$tok1" "warm: same token"
is "$(count)" 1 "warm: second invocation makes no identity request"

emu_ctl secret-set t0102 'v-0102' >/dev/null
run get t0102
is "$rc" 0 "azkv get with the cached token: exit 0"
is "$(count)" 1 "azkv get: no identity request either"

run --identity "$EMU_UA1_CLIENT_ID" token
is "$(count)" 2 "another identity: its own request"
is "$(ls "$D"/*.tok | wc -l)" 2 "another identity: its own cache file"
run --identity "$EMU_UA1_CLIENT_ID" token
is "$(count)" 2 "another identity: cached too"

# --- cache off ----------------------------------------------------------------
fresh
run --no-cache token
is "$rc" 0 "--no-cache: exit 0"
run --no-cache token
is "$(count)" 2 "--no-cache: every invocation asks"
ok "$([ ! -e "$D" ] || [ -z "$(ls -A "$D")" ]; echo $?)" "--no-cache: nothing on disk"
erun AZKV_TOKEN_CACHE=off "$AZKV" token
is "$(count)" 3 "AZKV_TOKEN_CACHE=off: asks"
ok "$([ ! -e "$D" ] || [ -z "$(ls -A "$D")" ]; echo $?)" "AZKV_TOKEN_CACHE=off: nothing on disk"

# --- location -------------------------------------------------------------------
fresh
rm -rf "$HOME/.cache"
erun XDG_RUNTIME_DIR= "$AZKV" token
is "$rc" 0 "no XDG_RUNTIME_DIR: exit 0"
ok "$(ls "$HOME"/.cache/azkv/*.tok >/dev/null 2>&1; echo $?)" "no XDG_RUNTIME_DIR: cache in ~/.cache/azkv"
is "$(mode_of "$HOME/.cache/azkv")" 700 "~/.cache/azkv is 0700"
erun XDG_RUNTIME_DIR= "$AZKV" token
is "$(count)" 1 "~/.cache/azkv reused"

# --- the herd: 32 cold processes, one request -----------------------------------
fresh
i=0
pids=
while [ $i -lt 32 ]; do
	"$AZKV" token >"$T/herd.$i" 2>"$T/herd.err.$i" </dev/null &
	pids="$pids $!"
	i=$((i + 1))
done
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
is "$fails" 0 "herd: all 32 succeed"
is "$(count)" 1 "herd: 32 concurrent cold invocations make exactly one request"
is "$(cat "$T"/herd.[0-9]* | sort -u | wc -l)" 1 "herd: all print the same token"

# --- refresh --------------------------------------------------------------------
fresh
run token
old=$out
f=$(tokfile)
cache_edit "$f" refresh_on=now-10 && mv "$f.new" "$f" && chmod 600 "$f"
run token
is "$rc" 0 "past refresh_on: exit 0"
is "$(count)" 2 "past refresh_on: refreshed"

cache_edit "$f" refresh_on=now-10 && mv "$f.new" "$f" && chmod 600 "$f"
old=$(cat "$f" | "$PYTHON3" -c 'import json,sys; print(json.load(sys.stdin)["token"])')
emu_ctl fault imds '500x*' >/dev/null
run --timeout 5 token
is "$rc" 0 "refresh fails: exit 0"
is "$out" "$old" "refresh fails: the old, still valid token is kept"
n=$(count)
ok "$([ "$n" -gt 2 ]; echo $?)" "refresh fails: the refresh was tried"
run --timeout 5 token
is "$rc" 0 "right after a failed refresh: exit 0"
is "$(count)" "$n" "right after a failed refresh: no new attempt for a while"

cache_edit "$f" expires_on=now-1 refresh_on=now-100 && mv "$f.new" "$f" && chmod 600 "$f"
run --timeout 3 token
ok "$([ "$rc" -ne 0 ]; echo $?)" "expired cache token, identity failing: an error"
is "$out" "" "expired cache token is never used"
emu_ctl fault imds clear >/dev/null

# --- the lock held by another process ---------------------------------------------
if command -v flock >/dev/null 2>&1; then
	fresh; run token; f=$(tokfile); lock=${f%.tok}.lock
	cache_edit "$f" refresh_on=now-10 && mv "$f.new" "$f" && chmod 600 "$f"
	old=$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$f")
	flock "$lock" sleep 30 &
	holder=$!
	track_pid "$holder"
	i=0	# until the holder has it
	while flock -n "$lock" true 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	n0=$(count)
	run token
	is "$rc" 0 "lock busy, usable token: exit 0"
	is "$out" "$old" "lock busy, usable token: no queueing behind the refresh"
	is "$(count)" "$n0" "lock busy, usable token: no request"
	rm -f "$f"
	run --timeout 2 token
	is "$rc" 1 "lock held forever, cold: exit 1 at the deadline"
	like "$err" "waiting for another azkv process" "lock held forever: says why"
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	run token
	is "$rc" 0 "lock released: exit 0"
else
	i=0
	while [ $i -lt 6 ]; do skip "flock(1) not installed"; i=$((i + 1)); done
fi

# --- files that must not be trusted ---------------------------------------------
# forge: make $f.forged, a well-formed cache document with a token that
# Key Vault would not know, for tamper tests.
forge() {
	cache_edit "$f" token=forged.token.value && mv "$f.new" "$f.forged"
	chmod 600 "$f.forged"
}
# check WHAT: azkv must ask IMDS again and not print the forged token
check_ignored() {
	n0=$(count)
	run -v token
	is "$rc" 0 "$1: exit 0"
	isnt=$(printf %s "$out" | grep -c forged)
	is "$isnt" 0 "$1: the file is not trusted"
	is "$(count)" $((n0 + 1)) "$1: a new identity request"
}

fresh; run token; f=$(tokfile); forge
mv "$f.forged" "$T/forged.tok"
rm -f "$f"; ln -s "$T/forged.tok" "$f"
check_ignored "symlinked cache file"
ok "$([ -f "$f" ] && [ ! -L "$f" ]; echo $?)" "symlink replaced by a regular file"
like "$(cat "$T/forged.tok")" forged "symlink target left alone"

fresh; run token; f=$(tokfile); forge
mv "$f.forged" "$f"; chmod 644 "$f"
check_ignored "mode 0644 cache file"
is "$(mode_of "$f")" 600 "mode 0644 file replaced by a 0600 one"

fresh; run token; f=$(tokfile); forge
mv "$f.forged" "$f"; chmod 640 "$f"
check_ignored "group-readable cache file"

fresh; run token; f=$(tokfile)
printf '\001garbage{{{' >"$f"; chmod 600 "$f"
check_ignored "garbage cache file"

fresh; run token; f=$(tokfile)
head -c 100000 /dev/zero | tr '\0' ' ' >"$f"; chmod 600 "$f"
check_ignored "oversized cache file"

fresh; run token; f=$(tokfile); forge
mv "$f.forged" "$f"; ln "$f" "$T/hardlink"
check_ignored "hard-linked cache file"
rm -f "$T/hardlink"

if [ "$(id -u)" -eq 0 ]; then
	fresh; run token; f=$(tokfile); forge
	mv "$f.forged" "$f"; chown 65534 "$f"
	check_ignored "foreign-owned cache file"
	is "$(stat -c %u "$f")" 0 "foreign-owned file replaced by ours"

	fresh; chown 65534 "$XDG_RUNTIME_DIR"
	run -v token
	is "$rc" 0 "XDG_RUNTIME_DIR not ours: exit 0"
	ok "$(ls "$HOME"/.cache/azkv/*.tok >/dev/null 2>&1; echo $?)" \
		"XDG_RUNTIME_DIR not ours: ~/.cache/azkv used instead"
	chown 0 "$XDG_RUNTIME_DIR"
else
	skip "foreign-owned cache file needs root (chown)"
	skip "foreign-owned cache file needs root (chown)"
	skip "foreign-owned cache file needs root (chown)"
	skip "foreign-owned cache file needs root (chown)"
	skip "XDG_RUNTIME_DIR owned by another user needs root"
	skip "XDG_RUNTIME_DIR owned by another user needs root"
fi

fresh; run token; chmod 755 "$D"
n0=$(count)
run -v token
is "$rc" 0 "world-readable cache directory: exit 0"
is "$(count)" $((n0 + 1)) "world-readable cache directory: not used"
like "$err" "untrusted.*without the disk cache" "world-readable cache directory: the debug log says so"
chmod 700 "$D"

fresh; mkdir -p "$T/elsewhere"; chmod 700 "$T/elsewhere"; ln -s "$T/elsewhere" "$D"
run -v token
is "$rc" 0 "symlinked cache directory: exit 0"
is "$(ls -A "$T/elsewhere" | wc -l)" 0 "symlinked cache directory: not followed"
rm -f "$D"

# A token Key Vault rejects is dropped and fetched again.
fresh; run token; f=$(tokfile)
arm=$(emu_ctl token system https://management.azure.com)
cache_edit "$f" token="$arm" && mv "$f.new" "$f" && chmod 600 "$f"
n0=$(count)
run get t0102
is "$rc" 0 "rejected cached token: azkv get still succeeds"
is "$out" "v-0102" "rejected cached token: the secret"
is "$(count)" $((n0 + 1)) "rejected cached token: fetched again"
run token
unlike "$out" "^$arm\$" "rejected token no longer cached"

done_testing
