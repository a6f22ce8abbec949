#!/bin/sh
# t0710: load. 200 concurrent cold `azkv get` against IMDS's documented
# limits cost one token request; N sequential `git credential fill` in
# mapped mode: no failure, one token request, flat peak RSS of the helper;
# Key Vault throttling 30% of requests: every get succeeds.
# AZKV_LONG_TESTS=1 uses the long counts (10,000 fills).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

unset AZKV_CONFIG AZKV_IDENTITY AZKV_TIMEOUT AZKV_DEBUG AZKV_TOKEN_CACHE \
	AZKV_IDENTITY_SOURCE AZKV_API_VERSION AZURE_CLIENT_ID XDG_CONFIG_HOME \
	IDENTITY_ENDPOINT IDENTITY_HEADER IMDS_ENDPOINT MSI_ENDPOINT MSI_SECRET \
	AZURE_FEDERATED_TOKEN_FILE

if [ -n "${AZKV_LONG_TESTS:-}" ]; then
	HERD=${AZKV_LOAD_HERD:-200}
	FILLS=${AZKV_LOAD_FILLS:-10000}
	THROTTLED_GETS=${AZKV_LOAD_THROTTLED:-200}
else
	HERD=${AZKV_LOAD_HERD:-200}
	FILLS=${AZKV_LOAD_FILLS:-500}
	THROTTLED_GETS=${AZKV_LOAD_THROTTLED:-40}
fi
[ "$FILLS" -ge 20 ] || FILLS=20
# an ASan process needs several times the memory: a smaller herd there
real=$top_builddir/.libs/azkv
[ -f "$real" ] || real=$top_builddir/azkv
if [ -z "${AZKV_LOAD_HERD:-}" ] && ldd "$real" 2>/dev/null | grep -q libasan; then
	HERD=64
fi
diag "herd $HERD, fills $FILLS, throttled gets $THROTTLED_GETS"

emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
emu_ctl ratelimit on >/dev/null
emu_ctl secret-set load 'load-value' >/dev/null

# ---- 200 concurrent cold gets, IMDS limits on ---------------------------
mkdir -p "$T/herd"
pids=
i=0
while [ "$i" -lt "$HERD" ]; do
	( azkv --timeout 60 get load >"$T/herd/$i.out" 2>"$T/herd/$i.err"
	  echo $? >"$T/herd/$i.rc" ) &
	pids="$pids $!"
	i=$((i + 1))
done
for p in $pids; do wait "$p"; done
okn=0 first_err=
i=0
while [ "$i" -lt "$HERD" ]; do
	if [ "$(cat "$T/herd/$i.rc" 2>/dev/null)" = 0 ] &&
	    [ "$(cat "$T/herd/$i.out")" = load-value ]; then
		okn=$((okn + 1))
	elif [ -z "$first_err" ]; then
		first_err="$i: rc $(cat "$T/herd/$i.rc" 2>/dev/null) $(tail -n 1 "$T/herd/$i.err")"
	fi
	i=$((i + 1))
done
is "$okn" "$HERD" "$HERD concurrent cold gets all succeed"
[ -n "$first_err" ] && diag "first failure: $first_err"
is "$(emu_ctl count imds)" 1 "... with one token request"
is "$(emu_ctl log imds | grep -c '"ratelimited": *true')" 0 \
	"... and IMDS never had to throttle"

# ---- N sequential git credential fill, mapped mode ----------------------
if command -v git >/dev/null 2>&1 && [ -x /usr/bin/time ]; then
	XDG_RUNTIME_DIR=$T/run-git
	mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
	export XDG_RUNTIME_DIR
	emu_ctl clear-log >/dev/null
	rss=$T/rss
	: >"$rss"
	helper="!/usr/bin/time -a -o '$rss' -f %M git-credential-azkv --secret load --username deploy"
	printf 'protocol=https\nhost=git.example.com\npath=repo.git\n\n' >"$T/fill.in"
	fails=0
	i=0
	while [ "$i" -lt "$FILLS" ]; do
		if ! GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 git \
		    -c credential.helper= -c "credential.helper=$helper" \
		    credential fill <"$T/fill.in" >"$T/fill.out" 2>"$T/fill.err" ||
		    ! grep -qx 'password=load-value' "$T/fill.out"; then
			fails=$((fails + 1))
			[ "$fails" -eq 1 ] && diag "fill $i failed: $(tail -n 1 "$T/fill.err")"
		fi
		i=$((i + 1))
	done
	is "$fails" 0 "$FILLS sequential git credential fill: no failure"
	is "$(emu_ctl count imds)" 1 "... one token request"
	is "$(emu_ctl count vault /secrets/load)" "$((FILLS + 1))" \
		"... one secret read per fill (plus one challenge)"
	is "$(wc -l <"$rss")" "$FILLS" "... peak RSS measured for every helper run"
	first=$(head -n 10 "$rss" | sort -n | tail -n 1)
	last=$(tail -n 10 "$rss" | sort -n | tail -n 1)
	# flat: the last runs use no more than the first ones (+256 KiB of
	# allocator noise); a per-run leak does not show in one process, so
	# this catches growth through the cache files instead
	ok "$([ "$last" -le $((first + 256)) ]; echo $?)" \
		"... flat memory: peak RSS of the last 10 ($last KiB) <= first 10 ($first KiB) + 256"
else
	skip "git or GNU time (/usr/bin/time) missing: sequential fills"
fi

# ---- Key Vault throttling: 30% of requests answer 429 + Retry-After -----
emu_ctl clear-log >/dev/null
azkv get load >/dev/null 2>&1	# warm: token and challenge cached
spec=
i=0
while [ "$i" -lt "$((THROTTLED_GETS * 2))" ]; do
	case $((i % 10)) in
	1|4|7) spec="$spec,429:retry-after=1" ;;
	*) spec="$spec,normal" ;;
	esac
	i=$((i + 1))
done
emu_ctl fault vault "${spec#,}" >/dev/null
emu_ctl clear-log >/dev/null
mkdir -p "$T/thr"
pids=
i=0
while [ "$i" -lt "$THROTTLED_GETS" ]; do
	( azkv --timeout 60 get load >"$T/thr/$i.out" 2>"$T/thr/$i.err"
	  echo $? >"$T/thr/$i.rc" ) &
	pids="$pids $!"
	# a few at a time: the 429s spread over the run
	[ $((i % 8)) -eq 7 ] && for p in $pids; do wait "$p"; done && pids=
	i=$((i + 1))
done
for p in $pids; do wait "$p"; done
okn=0 first_err=
i=0
while [ "$i" -lt "$THROTTLED_GETS" ]; do
	[ "$(cat "$T/thr/$i.rc" 2>/dev/null)" = 0 ] &&
		[ "$(cat "$T/thr/$i.out")" = load-value ] && okn=$((okn + 1))
	i=$((i + 1))
done
throttled=$(emu_ctl log vault | grep -c '"status": *429')
is "$okn" "$THROTTLED_GETS" "vault throttling: all $THROTTLED_GETS gets succeed"
ok "$([ "$throttled" -ge $((THROTTLED_GETS / 4)) ]; echo $?)" \
	"... while $throttled requests were answered 429"

done_testing
