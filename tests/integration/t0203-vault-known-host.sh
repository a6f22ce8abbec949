#!/bin/sh
# t0203: a real Key Vault host name (myvault.vault.azure.net) with no
# override at all: the resource is known, so the first request already
# carries the token (no challenge round trip), a PUT sends its body at once,
# and a challenge for any other resource (even https://azure.net) is refused.
# Runs in private network + mount namespaces as t0304 does. Needs root.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/prodpath.sh"
bundle=/etc/ssl/certs/ca-certificates.crt
[ -f "$bundle" ] || skip_all "$bundle is missing (install ca-certificates)"
prodpath_setup t0203

# Runs inside both namespaces; leaves its results in $T/r.*
cat >"$T/inside.sh" <<'EOF2'
set -u
. "$top_srcdir/tests/integration/prodpath.sh"
prodpath_emulator
ctl secret-set known 'known-host-value' >/dev/null || exit 13
prodpath_hosts
mount --bind "$EMU_CA" /etc/ssl/certs/ca-certificates.crt || exit 15
mkdir -p "$T/home"

# azkv with an Azure VM's environment; $1 names the result files
run() {
	name=$1
	shift
	env -i PATH=/usr/bin:/bin HOME="$T/home" "$top_builddir/azkv" "$@" \
		<"$T/stdin" >"$T/r.$name.out" 2>"$T/r.$name.err"
	echo $? >"$T/r.$name.rc"
}
# "METHOD AUTH STATUS" per vault request
summary() {
	ctl log vault | "$PYTHON3" -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if "method" in e:
        print(e["method"], e["authorization"], e["status"])'
}
: >"$T/stdin"

ctl clear-log
run cold get --vault myvault known
summary >"$T/r.cold.log"
ctl clear-log
printf %s 'put-at-once' >"$T/stdin"
run put set --vault myvault putnow
summary >"$T/r.put.log"
ctl log vault >"$T/r.put.raw"
: >"$T/stdin"
run getput get --vault https://MyVault.Vault.Azure.Net./ putnow
ctl clear-log
ctl fault vault 'challenge:when=any' >/dev/null
run foreign get --vault myvault known
summary >"$T/r.foreign.log"
ctl fault vault 'challenge:when=any:resource=https%3A%2F%2Fazure.net' >/dev/null
run parent get --vault myvault known
ctl fault vault clear >/dev/null
ctl log imds >"$T/r.imds.log"
prodpath_stop
exit 0
EOF2

prodpath_run "$T/inside.sh"
rc=$?
is "$rc" 0 "namespaces set up and the emulator started inside"
if [ "$rc" -ne 0 ]; then
	sed 's/^/#   /' "$T/inside.err" "$T/emulator.err" 2>/dev/null
fi
r() { cat "$T/r.$1" 2>/dev/null; }

is "$(r cold.rc)" 0 "cold get: exit 0"
is "$(r cold.out)" "known-host-value" "cold get: the value"
is "$(r cold.log)" "GET bearer 200" \
	"cold get: one request, with the token (resource known in advance)"
ok "$(ls "$T"/home/.cache/azkv/vault-*.challenge >/dev/null 2>&1; [ $? -ne 0 ]; echo $?)" \
	"no challenge cache file for a known Key Vault host"

is "$(r put.rc)" 0 "set: exit 0"
is "$(r put.log)" "PUT bearer 200" "set: one PUT, token and body at once"
like "$(r put.raw)" "put-at-once" "set: the body arrived"
is "$(r getput.out)" "put-at-once" "vault URL in odd case with a trailing dot works"

is "$(r foreign.rc)" 1 "challenge for https://management.azure.com: exit 1"
like "$(r foreign.err)" "management\.azure\.com.*no token was sent" \
	"challenge for another resource: refused"
is "$(r foreign.log)" "GET bearer 401" "challenge for another resource: not retried"
is "$(r parent.rc)" 1 "challenge for https://azure.net on a vault.azure.net host: exit 1"
like "$(r parent.err)" "'https://azure\.net'.*no token was sent" \
	"challenge for a parent domain: refused (stricter than the SDKs)"
unlike "$(r imds.log)" "management\.azure\.com|resource=https(%3A%2F%2F|://)azure\.net" \
	"no token was ever requested for those resources"
unlike "$(cat /etc/hosts)" "myvault\.vault\.azure\.net" "the host's /etc/hosts is unchanged"

done_testing
