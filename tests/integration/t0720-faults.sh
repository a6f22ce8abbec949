#!/bin/sh
# t0720: the fault matrix. Each row of the table below injects one fault
# (emulator fault queue, TLS port, dead port, token-cache directory) and runs
# `azkv get` (or set) with a short --timeout under an outer `timeout`; it
# asserts the exit status, the message, no crash (status < 128), no hang
# (the outer timeout never fires), and that no token went anywhere but the
# vault. docs/RELIABILITY.md is generated from this table
# (scripts/reliability-table, `make reliability-doc`).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

unset AZKV_CONFIG AZKV_IDENTITY AZKV_TIMEOUT AZKV_DEBUG AZKV_TOKEN_CACHE \
	AZKV_IDENTITY_SOURCE AZKV_API_VERSION AZURE_CLIENT_ID XDG_CONFIG_HOME \
	IDENTITY_ENDPOINT IDENTITY_HEADER IMDS_ENDPOINT MSI_ENDPOINT MSI_SECRET \
	AZURE_FEDERATED_TOKEN_FILE

# The table. Columns, separated by ' | ':
#   name     short id
#   where    imds | vault | cache (what the fault hits)
#   setup    emulator fault spec for that service, or a special:
#            dead-port (nothing listens), tls-wrongname | tls-untrusted |
#            tls-expired (vault on a port with a bad certificate),
#            cache-readonly | cache-full (token cache directory), - none
#   op       get | set
#   rc       expected exit status
#   message  ERE the last stderr line must match
#   result   what a user sees (for docs/RELIABILITY.md)
ROWS=$(cat <<'TABLE'
imds-refused | imds | dead-port | get | 5 | no managed identity endpoint answered | no identity endpoint: exit 5 (no managed identity), one clear line
imds-hang | imds | hang | get | 1 | within the [0-9]+ s deadline: no complete answer | the request is abandoned at the deadline
imds-reset | imds | resetx* | get | 1 | no complete answer \(.*[Rr]eset | retried until the deadline, then an error
imds-identity-not-found | imds | 400:message=Identity%20not%20found | get | 5 | [Ii]dentity not found | final at once, not retried
imds-404 | imds | 404x* | get | 1 | last answer was HTTP 404 | retried with back-off until the deadline
imds-410 | imds | 410x* | get | 1 | last answer was HTTP 410 | retried about every 10 s (70 s minimum in production), then an error
imds-410-then-ok | imds | 410x1 | get | 0 | ^$ | one 410 is retried and the secret is read
imds-429 | imds | 429x*:retry-after=1 | get | 1 | last answer was HTTP 429 | retried with back-off until the deadline
imds-500 | imds | 500x* | get | 1 | last answer was HTTP 500 | retried with back-off until the deadline
imds-502-proxy | imds | 502x* | get | 5 | HTTP 502 from a proxy | a proxy answers for IMDS: no identity endpoint (exit 5)
imds-403-unreachable | imds | unreachablex* | get | 5 | HTTP 403 from a proxy or a network that cannot reach it | no identity endpoint here (Docker Desktop): exit 5, final
imds-malformed | imds | malformedx* | get | 1 | malformed token reply from IMDS.*not JSON | final: a malformed token reply
imds-truncated | imds | truncatedx* | get | 1 | no complete answer \(.*transfer closed | retried until the deadline, then an error
imds-10mb-body | imds | oversizedx* | get | 1 | reply too large or malformed | refused beyond the 1 MiB cap
imds-wrong-ctype | imds | wrong-ctypex* | get | 1 | malformed token reply from IMDS.*not JSON | final: not a token reply
vault-401-foreign-resource | vault | challenge:when=noauth | get | 1 | names resource 'https://management.azure.com'.*no token was sent | no token sent: the challenge names a foreign resource
vault-403-rbac | vault | 403:code=Forbidden:inner=ForbiddenByRbac | get | 4 | access denied \(403 Forbidden/ForbiddenByRbac\); grant the identity 'Key Vault Secrets User' | access denied, with the role to grant
vault-403-firewall | vault | 403:code=Forbidden:inner=ForbiddenByFirewall | get | 4 | access denied \(403 Forbidden/ForbiddenByFirewall\); the vault's firewall | access denied: firewall
vault-403-policy | vault | 403:code=Forbidden:inner=AccessDenied | get | 4 | access denied \(403 Forbidden/AccessDenied\) | access denied: access policy
vault-403-disabled | vault | 403:code=Forbidden:inner=SecretDisabled | get | 4 | the secret is disabled \(403 Forbidden/SecretDisabled\) | secret disabled
vault-403-expired | vault | 403:code=Forbidden:inner=SecretExpired | get | 4 | the secret has expired \(403 Forbidden/SecretExpired\) | secret expired
vault-404 | vault | 404 | get | 3 | no such secret \(404 SecretNotFound\) | secret not found
vault-409 | vault | 409 | set | 1 | conflict \(409 Conflict\); a deleted secret still holds this name | conflict (name held by a deleted secret)
vault-429 | vault | 429x*:retry-after=1 | get | 1 | throttled by the vault until the deadline \(429 | Retry-After honoured until the deadline
vault-429-then-ok | vault | 429x2:retry-after=1 | get | 0 | ^$ | Retry-After honoured, then the secret is read
vault-500 | vault | 500x* | get | 1 | vault server error \(500 | retried with back-off until the deadline
vault-503 | vault | 503x* | get | 1 | vault server error \(503 | retried with back-off until the deadline
vault-tls-name-mismatch | vault | tls-wrongname | get | 1 | no alternative certificate subject name matches | no request reaches the vault; fails at once, naming the certificate problem
vault-tls-untrusted-ca | vault | tls-untrusted | get | 1 | SSL certificate problem: unable to get local issuer certificate | no request reaches the vault; fails at once, naming the certificate problem
vault-tls-expired | vault | tls-expired | get | 1 | SSL certificate problem: certificate has expired | no request reaches the vault; fails at once, naming the certificate problem
vault-slow-drip | vault | drip | get | 1 | deadline of [0-9]+ s exceeded | abandoned at the deadline
vault-oversized-body | vault | oversizedx* | get | 1 | larger than 1 MiB | refused beyond the 1 MiB cap
cache-readonly | cache | cache-readonly | get | 0 | ^$ | the secret is read; the token is not cached
cache-full | cache | cache-full | get | 0 | ^$ | the secret is read; the token is not cached
TABLE
)

TIMEOUT=${AZKV_FAULT_TIMEOUT:-4}
# under valgrind (scripts/check-valgrind) the programs run ~30 times slower
[ -n "${AZKV_VALGRIND:-}" ] && TIMEOUT=${AZKV_FAULT_TIMEOUT:-12}
OUTER=$((TIMEOUT + 30))

emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
emu_ctl ratelimit off >/dev/null
emu_ctl secret-set fm 'fault-matrix-value' >/dev/null
mkdir -p "$T/tmp"
TMPDIR=$T/tmp
export TMPDIR
dead_port=$("$PYTHON3" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
ROOTNS=no
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 &&
    unshare -m true 2>/dev/null; then
	ROOTNS=yes
fi

# Requests that carried a token anywhere but to the vault for its resource,
# or that carried one at all; tokens never go to the identity endpoint.
leaks() {
	emu_ctl log | "$PYTHON3" -c '
import json, sys
bad = bearer = 0
for line in sys.stdin:
    e = json.loads(line)
    if e.get("authorization") != "bearer":
        continue
    bearer += 1
    if e.get("service") != "vault" or e.get("token_aud") != "https://vault.azure.net":
        bad += 1
print(bad, bearer)'
}

# run_row: fields in name where setup op rc msg
run_row() {
	emu_ctl reset >/dev/null
	emu_ctl ratelimit off >/dev/null
	emu_ctl secret-set fm 'fault-matrix-value' >/dev/null
	# every row starts cold: no token, no learnt challenge
	XDG_RUNTIME_DIR=$T/run-$name
	HOME=$T/home-$name
	mkdir -p "$XDG_RUNTIME_DIR" "$HOME"
	chmod 700 "$XDG_RUNTIME_DIR"
	vault=$EMU_VAULT_URL
	imds=$EMU_IMDS
	wrap=
	case $setup in
	dead-port) imds=http://127.0.0.1:$dead_port ;;
	tls-wrongname) vault=$EMU_VAULT_WRONGNAME_URL ;;
	tls-untrusted) vault=$EMU_VAULT_UNTRUSTED_URL ;;
	tls-expired) vault=$EMU_VAULT_EXPIRED_URL ;;
	cache-readonly|cache-full)
		if [ "$ROOTNS" = yes ]; then
			wrap=$setup
		elif [ "$setup" = cache-readonly ] && [ "$(id -u)" -ne 0 ]; then
			chmod 500 "$XDG_RUNTIME_DIR"
		else
			skip_row "$name: needs root (a tmpfs in a private mount namespace)"
			return
		fi
		;;
	-) ;;
	*) emu_ctl fault "$where" "$setup" >/dev/null || {
		ok 1 "$name: fault spec accepted by the emulator"
		return
	   } ;;
	esac
	host=$(printf '%s' "$vault" | sed 's|^https://||; s|:.*||')
	if [ "$op" = set ]; then
		set -- set fm
		in=$T/value
		printf 'new-value' >"$in"
	else
		set -- get fm
		in=/dev/null
	fi
	t0=$(date +%s)
	env AZURE_POD_IDENTITY_AUTHORITY_HOST="$imds" AZKV_VAULT="$vault" \
	    AZKV_ALLOW_VAULT_HOST="$host" XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" \
	    HOME="$HOME" AZKV_CACHE_WRAP="$wrap" \
	    timeout -k 5 "$OUTER" sh "$T/runner" \
	    azkv --timeout "$TIMEOUT" "$@" <"$in" >"$T/out" 2>"$T/err"
	got=$?
	last=$(tail -n 1 "$T/err")
	if [ "$got" -eq 124 ] || [ "$got" -eq 137 ]; then
		ok 1 "$name: finished before the outer timeout (${OUTER}s)"
	else
		ok 0 "$name: finished before the outer timeout"
	fi
	ok "$([ "$got" -lt 128 ]; echo $?)" "$name: no crash (exit $got)"
	is "$got" "$rc" "$name: exit $rc"
	if [ "$rc" -eq 0 ]; then
		is "$(cat "$T/out")" "$([ "$op" = get ] && echo fault-matrix-value)" \
			"$name: the value"
	else
		like "$last" "^azkv: .*($msg)" "$name: message"
		is "$(wc -c <"$T/out")" 0 "$name: nothing on stdout"
	fi
	set -- $(leaks)
	is "$1" 0 "$name: no token sent anywhere but the vault"
	case $name in
	vault-401-foreign-resource|vault-tls-*|imds-*)
		[ "$rc" -ne 0 ] && is "$2" 0 "$name: no token sent at all" ;;
	esac
	if [ -n "${AZKV_FAULT_PROBE:-}" ]; then
		diag "PROBE $name rc=$got $(($(date +%s) - t0))s err=$last"
	fi
}
skip_row() { skip "$1"; }

# runner: applies the token-cache wrapping, then runs the command.
cat >"$T/runner" <<'EOF'
case $AZKV_CACHE_WRAP in
cache-readonly)
	exec unshare -m sh -c '
		mount -t tmpfs -o size=64k,mode=700 azkv-ro "$XDG_RUNTIME_DIR" &&
		mount -o remount,ro "$XDG_RUNTIME_DIR" && exec "$@"' sh "$@" ;;
cache-full)
	exec unshare -m sh -c '
		mount -t tmpfs -o size=8k,mode=700 azkv-full "$XDG_RUNTIME_DIR" &&
		{ dd if=/dev/zero of="$XDG_RUNTIME_DIR/fill" bs=1k count=64 2>/dev/null; true; } &&
		exec "$@"' sh "$@" ;;
*) exec "$@" ;;
esac
EOF

# columns are separated by " | " (a '|' inside a message ERE has no blanks)
printf '%s\n' "$ROWS" |
	awk -F ' [|] ' '{ for (i = 1; i <= NF; i++) gsub(/^ +| +$/, "", $i)
		print $1 "\t" $2 "\t" $3 "\t" $4 "\t" $5 "\t" $6 }' >"$T/table"
tab=$(printf '\t')
only=${AZKV_FAULT_ROWS:-}
while IFS=$tab read -r name where setup op rc msg; do
	if [ -n "$only" ]; then
		case " $only " in *" $name "*) ;; *) continue ;; esac
	fi
	run_row </dev/null
done <"$T/table"

# docs/RELIABILITY.md shows this very table (scripts/reliability-table)
if [ -z "${AZKV_FAULT_ROWS:-}" ]; then
	sh "$top_srcdir/scripts/reliability-table" "$0" >"$T/doc-table"
	sed -n '/^<!-- fault-table-begin -->$/,/^<!-- fault-table-end -->$/p' \
		"$top_srcdir/docs/RELIABILITY.md" | sed '1d;$d' >"$T/doc-now"
	if cmp -s "$T/doc-table" "$T/doc-now"; then
		ok 0 "docs/RELIABILITY.md lists every row of this table"
	else
		ok 1 "docs/RELIABILITY.md lists every row of this table (make reliability-doc)"
	fi
fi

done_testing
