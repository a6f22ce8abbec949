#!/bin/sh
# t0101: the identity retry table against the emulator's IMDS: 410, 429 with
# Retry-After (both forms), 404/5xx, hangs, bad bodies, unavailable endpoints.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

unset AZKV_IDENTITY AZKV_IDENTITY_SOURCE AZURE_CLIENT_ID AZKV_CONFIG \
	AZKV_TIMEOUT AZKV_DEBUG IDENTITY_ENDPOINT IDENTITY_HEADER \
	IMDS_ENDPOINT MSI_ENDPOINT MSI_SECRET AZURE_TENANT_ID \
	AZURE_FEDERATED_TOKEN_FILE AZURE_AUTHORITY_HOST XDG_CONFIG_HOME
emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
export AZKV_TOKEN_CACHE=off

AZKV=$top_builddir/azkv
run() { erun "$AZKV" "$@"; }
erun() {
	env "$@" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}
# fault SPEC: queue a fault on IMDS with a fresh log
fault() {
	emu_ctl fault imds clear >/dev/null
	emu_ctl clear-log >/dev/null
	emu_ctl fault imds "$1" >/dev/null || diag "cannot set fault $1"
}
jwt='^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'

fault 410x2
run token
is "$rc" 0 "410 x2 then success: exit 0"
like "$out" "$jwt" "410 x2: token printed"
is "$(emu_ctl count imds)" 3 "410 x2: three requests"

fault '410x*'
run --timeout 5 token
is "$rc" 1 "410 forever, --timeout 5: exit 1"
like "$err" "no token from IMDS at $EMU_IMDS" "410 forever: names the endpoint"
like "$err" "HTTP 410" "410 forever: names the last status"
like "$err" "deadline" "410 forever: says the deadline passed"
n=$(emu_ctl count imds)
ok "$([ "$n" -ge 2 ] && [ "$n" -le 3 ]; echo $?)" "410 forever: retried within the deadline ($n requests)"

fault 429:retry-after=1
run token
is "$rc" 0 "429 with Retry-After seconds: exit 0"
is "$(emu_ctl count imds)" 2 "429 Retry-After seconds: retried once"

fault 429:retry-after-date=2
run token
is "$rc" 0 "429 with Retry-After HTTP-date: exit 0"
is "$(emu_ctl count imds)" 2 "429 Retry-After date: retried once"

fault '429x*:retry-after=1'
run --timeout 4 token
is "$rc" 1 "429 forever: exit 1"
like "$err" "HTTP 429" "429 forever: names the status"

fault 500,503
run token
is "$rc" 0 "500, 503 then success: exit 0"
is "$(emu_ctl count imds)" 3 "500, 503: three requests"

fault 404
run token
is "$rc" 0 "404 (IMDS updating) then success: exit 0"
is "$(emu_ctl count imds)" 2 "404: retried"

fault 408
run token
is "$rc" 0 "408 then success: exit 0"

fault '500x*'
run --timeout 4 token
is "$rc" 1 "500 forever: exit 1"
like "$err" "HTTP 500" "500 forever: names the status"

fault hang
run --timeout 3 token
is "$rc" 1 "hang: exit 1 at the deadline"
like "$err" "no token from IMDS at $EMU_IMDS/[^ ]* within the 3 s deadline" \
	"hang: names the endpoint and the deadline"

# One hung attempt (connected, no answer) is abandoned after 30 s and retried.
fault hang
run --timeout 60 token
is "$rc" 0 "one hung attempt, then success: exit 0"
is "$(emu_ctl count imds)" 2 "one hung attempt: retried"

fault delay=1
run token
is "$rc" 0 "slow answer within the deadline: exit 0"

fault reset
run token
is "$rc" 0 "connection reset mid-reply, then success: exit 0"
is "$(emu_ctl count imds)" 2 "reset: retried"

# A truncated reply: a clear error (or a successful retry when the cut is
# seen at the HTTP level), never a crash.
fault truncated
run token
ok "$([ "$rc" -lt 128 ]; echo $?)" "truncated reply: no crash"
if [ "$rc" -eq 0 ]; then
	like "$out" "$jwt" "truncated reply: retried to success"
else
	like "$err" "(malformed token reply|no token) from IMDS at $EMU_IMDS" \
		"truncated reply: clear message"
fi

fault 'truncatedx*'
run --timeout 4 token
is "$rc" 1 "truncated forever: exit 1"
like "$err" "(malformed token reply|no token) from IMDS" "truncated forever: clear message"
unlike "$err" "access_token|eyJ" "truncated forever: no body bytes in the message"

fault malformed
run token
is "$rc" 1 "malformed JSON: exit 1"
like "$err" "malformed token reply from IMDS" "malformed JSON: clear message"
is "$(emu_ctl count imds)" 1 "malformed JSON: not retried"

fault wrong-ctype
run token
is "$rc" 1 "HTML body: exit 1"
like "$err" "malformed token reply" "HTML body: clear message"
unlike "$err" "<" "HTML body: not echoed"

fault oversized
run token
is "$rc" 1 "oversized body: exit 1"
like "$err" "IMDS at $EMU_IMDS" "oversized body: names the endpoint"

fault 'oversized=900000'
run token
is "$rc" 0 "large but valid body under the cap: exit 0"

fault 400:code=invalid_resource:message=AADSTS50001
run token
is "$rc" 1 "400 invalid_resource: exit 1"
like "$err" "AADSTS50001" "400: the service's description is shown"
is "$(emu_ctl count imds)" 1 "400: not retried"

fault 403
run token
is "$rc" 4 "403: exit 4, not retried"
is "$(emu_ctl count imds)" 1 "403: one request"

fault unreachable
run token
is "$rc" 5 "403 'unreachable network' (Docker Desktop): exit 5"
like "$err" "no managed identity endpoint answered" "unreachable: clear message"

fault 502
run token
is "$rc" 5 "502 from a proxy: exit 5"

fault 400:message=Identity%20not%20found
run token
is "$rc" 5 "Identity not found: exit 5"
like "$err" "system-assigned" "Identity not found: names the identity"
emu_ctl fault imds clear >/dev/null

# Nothing listens: fails fast with exit 5, not at the deadline.
port=$("$PYTHON3" -c 'import socket
s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
erun AZURE_POD_IDENTITY_AUTHORITY_HOST="http://127.0.0.1:$port" "$AZKV" \
	--timeout 100 token
is "$rc" 5 "connection refused: exit 5"
like "$err" "no managed identity endpoint answered at http://127.0.0.1:$port" \
	"connection refused: names the endpoint"

done_testing
