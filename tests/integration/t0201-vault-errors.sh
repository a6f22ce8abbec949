#!/bin/sh
# t0201: Key Vault errors, retries and deadlines through the real azkv:
# exit codes, message shape, Retry-After, 5xx, hangs, broken bodies.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

unset AZKV_CONFIG AZKV_IDENTITY AZKV_TIMEOUT AZKV_DEBUG AZKV_TOKEN_CACHE \
	AZKV_IDENTITY_SOURCE AZKV_API_VERSION AZURE_CLIENT_ID XDG_CONFIG_HOME \
	IDENTITY_ENDPOINT IDENTITY_HEADER IMDS_ENDPOINT MSI_ENDPOINT MSI_SECRET \
	AZURE_FEDERATED_TOKEN_FILE
emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
AZKV=$top_builddir/azkv
emu_ctl secret-set ftpadmin 'pa55word' >/dev/null
V=$EMU_VAULT_URL
# warm up: token and challenge cached, so faults hit the authenticated GET
"$AZKV" get ftpadmin >/dev/null

# run_get [AZKV OPTIONS]: get ftpadmin; sets rc, out, err
run_get() {
	"$AZKV" "$@" get ftpadmin >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# ---- 404, 403 and their messages ----
"$AZKV" get nothere >"$T/out" 2>"$T/err"
is "$?" 3 "404: exit 3"
like "$(cat "$T/err")" "^azkv: cannot read secret 'nothere' from '$V': no such secret \(404 SecretNotFound\) \[request id [0-9a-f-]+\]$" \
	"404: message with code and request id"

emu_ctl fault vault 403:code=Forbidden:inner=ForbiddenByRbac
run_get
is "$rc" 4 "403 ForbiddenByRbac: exit 4"
like "$err" "^azkv: cannot read secret 'ftpadmin' from '$V': access denied \(403 Forbidden/ForbiddenByRbac\); grant the identity 'Key Vault Secrets User' \[request id [0-9a-f-]+\]$" \
	"403: message as DESIGN.md shows it"
is "$out" "" "403: nothing on stdout"

emu_ctl perms system get,list
printf %s v | "$AZKV" set ftpadmin 2>"$T/err"
is "$?" 4 "set without permission: exit 4"
like "$(cat "$T/err")" "cannot write secret 'ftpadmin' to '$V': access denied \(403 Forbidden/ForbiddenByRbac\); grant the identity 'Key Vault Secrets Officer'" \
	"set without permission: Secrets Officer hint"
"$AZKV" delete ftpadmin 2>"$T/err"
is "$?" 4 "delete without permission: exit 4"
like "$(cat "$T/err")" "cannot delete secret 'ftpadmin' from '$V': access denied .*'Key Vault Secrets Officer'" \
	"delete without permission: Secrets Officer hint"
emu_ctl perms system all

emu_ctl fault vault 403:code=Forbidden:inner=ForbiddenByFirewall
run_get
is "$rc" 4 "403 ForbiddenByFirewall: exit 4"
like "$err" "firewall" "403 ForbiddenByFirewall: firewall hint"

# ---- disabled, expired, not yet valid ----
emu_ctl secret-set off 'x' --enabled false >/dev/null
"$AZKV" get off >/dev/null 2>"$T/err"
is "$?" 4 "disabled secret: exit 4"
like "$(cat "$T/err")" "the secret is disabled \(403 Forbidden/SecretDisabled\)" \
	"disabled secret: message"
emu_ctl secret-set old 'stale-value' --exp -60 >/dev/null
"$AZKV" get old >"$T/out" 2>"$T/err"
is "$?" 4 "expired secret: exit 4"
like "$(cat "$T/err")" "cannot read secret 'old' from '$V': the secret expired on [0-9-]+ [0-9:]+ UTC" \
	"expired secret: message with the date"
is "$(cat "$T/out")" "" "expired secret: value not printed"
emu_ctl secret-set future 'early' --nbf +3600 >/dev/null
"$AZKV" get future >"$T/out" 2>"$T/err"
is "$?" 4 "not-yet-valid secret: exit 4"
like "$(cat "$T/err")" "not valid before" "not-yet-valid secret: message"
emu_ctl secret-set fine 'ok-value' --nbf -60 --exp +3600 >/dev/null
is "$("$AZKV" get fine)" "ok-value" "inside its validity window: readable"

# ---- 401 with a token: drop it, challenge again, retry once ----
emu_ctl clear-log
emu_ctl fault vault 401
run_get
is "$rc" 0 "one 401 for a token: retried"
is "$out" "pa55word" "one 401 for a token: value"
is "$(emu_ctl count imds)" 1 "one 401 for a token: a fresh token was fetched"
emu_ctl fault vault 401x2
run_get
is "$rc" 4 "401 twice: exit 4"
like "$err" "access denied \(401 Unauthorized\); the vault refused the identity's token" \
	"401 twice: message"

# ---- 429: Retry-After in seconds, as an HTTP date, absent ----
emu_ctl clear-log
emu_ctl fault vault 429x2:retry-after=1
run_get
is "$rc" 0 "429 x2 with Retry-After seconds: success"
is "$out" "pa55word" "429 x2: value"
is "$(emu_ctl count vault)" 3 "429 x2: three requests"
emu_ctl clear-log
emu_ctl fault vault 429:retry-after-date=2
run_get -v
is "$rc" 0 "429 with an HTTP-date Retry-After: success"
is "$(emu_ctl count vault)" 2 "429 HTTP-date: two requests"
like "$err" "status 429, retrying in [12][0-9]{3} ms" "429 HTTP-date: waited as told"
emu_ctl fault vault 429
run_get -v
is "$rc" 0 "429 without Retry-After: success"
like "$err" "status 429, retrying in 1000 ms" "429 without Retry-After: backs off 1 s"
emu_ctl fault 'vault' '429x*:retry-after=1'
run_get --timeout 3
is "$rc" 1 "429 until the deadline: exit 1"
like "$err" "throttled by the vault until the deadline \(429" "429 until the deadline: message"
emu_ctl fault vault '429:retry-after=600'
run_get --timeout 20
is "$rc" 1 "429 asking for longer than the deadline: fails at once"
like "$err" "throttled" "429 longer than the deadline: throttled"
emu_ctl fault vault clear

# ---- 5xx and network errors: a few retries ----
emu_ctl clear-log
emu_ctl fault vault 500,503
run_get
is "$rc" 0 "500 then 503: success"
is "$(emu_ctl count vault)" 3 "500 then 503: three requests"
emu_ctl fault vault 'reset'
run_get
is "$rc" 0 "connection reset once: retried"
emu_ctl fault vault 'truncated'
run_get
is "$rc" 0 "truncated body once: retried"
is "$out" "pa55word" "truncated body once: then the whole value"
emu_ctl fault vault '500x*:code=InternalError'
run_get --timeout 4
is "$rc" 1 "500 until the deadline: exit 1"
like "$err" "^azkv: cannot read secret 'ftpadmin' from '$V': vault server error \(500 InternalError\)" \
	"500 until the deadline: message"
emu_ctl fault vault '400:code=BadParameter:message=echo-pa55word'
run_get
is "$rc" 1 "400: exit 1"
like "$err" "request refused by the vault \(400 BadParameter\)" "400: message"
unlike "$err" "echo-pa55word" "400: the server's message is not echoed"

# ---- hangs and the overall deadline ----
emu_ctl fault vault hang
run_get --timeout 3
is "$rc" 1 "hang: exit 1"
like "$err" "^azkv: cannot read secret 'ftpadmin' from '$V': deadline of 3 s exceeded" \
	"hang: deadline message"
emu_ctl fault vault clear

# ---- broken bodies: clear errors, no crash ----
for f in malformed 'truncatedx*' oversized wrong-ctype; do
	emu_ctl fault vault "$f"
	run_get --timeout 4
	is "$rc" 1 "$f: exit 1"
	like "$err" "^azkv: cannot read secret 'ftpadmin' from '$V': " "$f: message: $err"
	is "$out" "" "$f: nothing on stdout"
	emu_ctl fault vault clear
done
emu_ctl fault vault '404:body=%3Chtml%3E:ctype=text/html'
run_get
is "$rc" 3 "404 with an HTML body: still exit 3"
like "$err" "no such secret \(404 Not Found\) \[request id " "404 HTML: status and request id"
emu_ctl fault vault '503x*:body='
run_get --timeout 3
is "$rc" 1 "503 with an empty body: exit 1"
like "$err" "vault server error \(503 Service Unavailable\)" "503 empty body: status"
emu_ctl fault vault clear

is "$("$AZKV" get ftpadmin)" "pa55word" "after all that: still works"
done_testing
