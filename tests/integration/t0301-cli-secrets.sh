#!/bin/sh
# t0301: azkv get/set/delete/token against the emulator: stdin-only values,
# exact output bytes, -n, --json, versions, exit codes.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

unset AZKV_CONFIG AZKV_IDENTITY AZKV_TIMEOUT AZKV_DEBUG AZKV_TOKEN_CACHE \
	AZKV_IDENTITY_SOURCE AZURE_CLIENT_ID XDG_CONFIG_HOME IDENTITY_ENDPOINT \
	IDENTITY_HEADER IMDS_ENDPOINT MSI_ENDPOINT MSI_SECRET \
	AZURE_FEDERATED_TOKEN_FILE
emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
AZKV=$top_builddir/azkv

# A value with a trailing newline, quotes, a backslash and UTF-8.
printf 'p@ss "w0rd"\\ caf\303\251\n' >"$T/value"
"$AZKV" set ftpadmin --content-type text/plain --tag owner=t0301 \
	--tag env=test <"$T/value" 2>"$T/err"
is "$?" 0 "set from stdin: exit 0"
like "$(emu_ctl log vault | grep '"PUT"')" 'w0rd' \
	"set: the value reached the vault in the PUT body"

"$AZKV" get ftpadmin >"$T/got" 2>"$T/err"
is "$?" 0 "get: exit 0"
cp "$T/value" "$T/want"
printf '\n' >>"$T/want"
cmp -s "$T/got" "$T/want"
ok "$?" "get: value plus one newline, byte for byte"

"$AZKV" get -n ftpadmin >"$T/got"
cmp -s "$T/got" "$T/value"
ok "$?" "get -n: the exact value, no newline added"

"$AZKV" get --json ftpadmin >"$T/json"
is "$?" 0 "get --json: exit 0"
"$PYTHON3" - "$T/json" "$T/value" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
want = open(sys.argv[2], encoding="utf-8").read()
assert doc["value"] == want, "value"
assert doc["id"].startswith("https://myvault.vault.localhost:"), "id"
assert "/secrets/ftpadmin/" in doc["id"], "id path"
assert doc["contentType"] == "text/plain", "contentType"
assert doc["tags"] == {"owner": "t0301", "env": "test"}, "tags"
assert doc["attributes"]["enabled"] is True, "enabled"
assert isinstance(doc["attributes"]["created"], int), "created"
PY
ok "$?" "get --json: value, id, contentType, tags, attributes"
is "$(wc -l <"$T/json" | tr -d ' ')" 1 "get --json: one line"

# Validity dates: --expires / --not-before reach the vault's attributes,
# and the vault's window is honoured on read.
printf %s dated | "$AZKV" set dated --not-before 2020-01-01T00:00:00Z \
	--expires 4102444800 2>"$T/err"
is "$?" 0 "set --not-before/--expires: exit 0"
"$AZKV" get --json dated >"$T/dated.json"
is "$("$PYTHON3" -c 'import json,sys; a=json.load(open(sys.argv[1]))["attributes"]; print(a.get("nbf"), a.get("exp"))' "$T/dated.json")" \
	"1577836800 4102444800" "set --not-before/--expires: nbf and exp stored (RFC 3339 and Unix forms)"
later=$(($(date +%s) + 3600))
printf %s future | "$AZKV" set future --not-before "$later"
is "$?" 0 "set --not-before in an hour: exit 0"
"$AZKV" get future >"$T/got" 2>"$T/err"
is "$?" 4 "get before --not-before: exit 4"
like "$(cat "$T/err")" "not valid before" "get before --not-before: says so"
is "$(cat "$T/got")" "" "get before --not-before: no value on stdout"
emu_ctl clear-log >/dev/null
for bad in yesterday 2030-02-30T00:00:00Z 2030-01-01T00:00:00 0; do
	printf %s x | "$AZKV" set bad --expires "$bad" 2>"$T/err"
	is "$?" 2 "--expires $bad: exit 2"
	like "$(cat "$T/err")" "--expires wants Unix seconds or YYYY-MM-DDTHH:MM:SSZ, not '$bad'" \
		"--expires $bad: says what it wants"
done
printf %s x | "$AZKV" set bad --not-before 2000000000 --expires 1900000000 2>"$T/err"
is "$?" 2 "--expires before --not-before: exit 2"
like "$(cat "$T/err")" "--expires must be later than --not-before" "--expires before --not-before: says so"
"$AZKV" get ftpadmin --expires 4102444800 >/dev/null 2>"$T/err"
is "$?" 2 "--expires with get: exit 2"
is "$(emu_ctl count vault)" 0 "bad dates: no vault request"

# Versions: the URL form and --version.
v1=$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"].rsplit("/",1)[1])' "$T/json")
printf %s second | "$AZKV" set ftpadmin
is "$("$AZKV" get ftpadmin)" "second" "set again: latest is the new value"
"$AZKV" get -n ftpadmin --version "$v1" >"$T/got"
cmp -s "$T/got" "$T/value"
ok "$?" "get --version: the older version"
"$AZKV" get -n "$EMU_VAULT_URL/secrets/ftpadmin/$v1" >"$T/got"
cmp -s "$T/got" "$T/value"
ok "$?" "get URL/VERSION: the older version"
(unset AZKV_VAULT; "$AZKV" get "$EMU_VAULT_URL/secrets/ftpadmin" >"$T/got")
is "$(cat "$T/got")" "second" "get URL without any vault setting"

# Size limit is enforced before any request.
before=$(emu_ctl count vault)
head -c 25601 /dev/zero | tr '\0' x | "$AZKV" set big 2>"$T/err"
is "$?" 2 "set: 25601 bytes refused with exit 2"
like "$(cat "$T/err")" "longer than Key Vault's limit of 25600 bytes" \
	"set: too long, with the limit"
is "$(emu_ctl count vault)" "$before" "set: nothing sent for a refused value"
head -c 25600 /dev/zero | tr '\0' y | "$AZKV" set big 2>"$T/err"
is "$?" 0 "set: 25600 bytes accepted"
is "$("$AZKV" get big | wc -c | tr -d ' ')" 25601 "get: 25600 bytes back"

# Exit codes and messages.
"$AZKV" get no-such-secret >"$T/out" 2>"$T/err"
is "$?" 3 "missing secret: exit 3"
like "$(cat "$T/err")" "^azkv: .*no-such-secret" "missing secret: named"
is "$(cat "$T/out")" "" "missing secret: nothing on stdout"

"$AZKV" delete ftpadmin
is "$?" 0 "delete: exit 0"
"$AZKV" get ftpadmin >/dev/null 2>&1
is "$?" 3 "get after delete: exit 3"

emu_ctl perms system none
"$AZKV" get big >"$T/out" 2>"$T/err"
is "$?" 4 "access denied: exit 4"
like "$(cat "$T/err")" "^azkv: .*(denied|403)" "access denied: explained"
emu_ctl perms system all

"$AZKV" token >"$T/tok" 2>"$T/err"
is "$?" 0 "token: exit 0"
like "$(cat "$T/tok")" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$' \
	"token: a JWT on one line"

# Flags reach the requests.
"$AZKV" --api-version 2016-10-01 get big >/dev/null
is "$?" 0 "--api-version 2016-10-01: exit 0"
like "$(emu_ctl log vault | tail -n 1)" 'api-version=2016-10-01' \
	"--api-version: sent to the vault"
n=$(emu_ctl count imds)
"$AZKV" get big >/dev/null
is "$(emu_ctl count imds)" "$n" "a second run uses the token cache"
"$AZKV" --no-cache get big >/dev/null
is "$(emu_ctl count imds)" "$((n + 1))" "--no-cache asks the endpoint"

# -v logs requests, never the token or the value.
printf %s 'hunter2-verbose' | "$AZKV" -v set verbose 2>"$T/err"
"$AZKV" -v get verbose >/dev/null 2>>"$T/err"
like "$(cat "$T/err")" "debug" "-v: debug lines on stderr"
unlike "$(cat "$T/err")" "hunter2-verbose" "-v: the value is not logged"
tok=$(cat "$T/tok")
if grep -qF "$tok" "$T/err"; then ok 1 "-v: the token is not logged"
else ok 0 "-v: the token is not logged"; fi

done_testing
