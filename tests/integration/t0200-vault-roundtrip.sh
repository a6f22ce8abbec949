#!/bin/sh
# t0200: Key Vault get/set/delete through the real azkv against the emulator:
# the challenge round trip, the warm path, versions, api-versions, big values.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

unset AZKV_CONFIG AZKV_IDENTITY AZKV_TIMEOUT AZKV_DEBUG AZKV_TOKEN_CACHE \
	AZKV_IDENTITY_SOURCE AZKV_API_VERSION AZURE_CLIENT_ID XDG_CONFIG_HOME \
	IDENTITY_ENDPOINT IDENTITY_HEADER IMDS_ENDPOINT MSI_ENDPOINT MSI_SECRET \
	AZURE_FEDERATED_TOKEN_FILE
emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
AZKV=$top_builddir/azkv

# Print one field of each vault log entry: vlog FIELD
vlog() {
	emu_ctl log vault | "$PYTHON3" -c '
import json, sys
f = sys.argv[1]
for line in sys.stdin:
    e = json.loads(line)
    if "method" not in e:
        continue
    if f == "summary":
        print(e["method"], e["path"], e["authorization"], e["status"])
    elif f == "clen":
        h = {k.lower(): v for k, v in e["headers"].items()}
        print(e["method"], e["authorization"], h.get("content-length", "-"),
              len(e.get("body") or ""))
    else:
        print(e.get(f))
' "$1"
}

# ---- cold: one challenge round trip, then the token; warm: one request ----
emu_ctl secret-set ftpadmin 'pa55word' >/dev/null
out=$("$AZKV" get ftpadmin 2>"$T/err")
is "$?" 0 "cold get: exit 0"
is "$out" "pa55word" "cold get: the value"
is "$(vlog summary)" "GET /secrets/ftpadmin/ None 401
GET /secrets/ftpadmin/ bearer 200" "cold get: bodyless challenge GET, then with a token"
ch=$(ls "$XDG_RUNTIME_DIR"/azkv/vault-*.challenge 2>/dev/null)
ok "$([ -f "$ch" ] && echo 0 || echo 1)" "challenge cached next to the token cache"
is "$(stat -c %a "$ch" 2>/dev/null)" 600 "challenge cache file is 0600"
like "$(cat "$ch" 2>/dev/null)" '"resource":"https://vault.azure.net"' \
	"challenge cache holds the resource"

emu_ctl clear-log
is "$("$AZKV" get ftpadmin)" "pa55word" "warm get: the value"
is "$(vlog summary)" "GET /secrets/ftpadmin/ bearer 200" \
	"warm get: one request, no challenge round trip"
is "$(emu_ctl count imds)" 0 "warm get: no new identity request"

# A corrupt or foreign challenge cache is ignored: back to the round trip.
printf 'garbage' >"$ch"
emu_ctl clear-log
is "$("$AZKV" get ftpadmin 2>/dev/null)" "pa55word" "corrupt challenge cache: still works"
is "$(emu_ctl count vault)" 2 "corrupt challenge cache: challenge again"
chmod 644 "$ch"
emu_ctl clear-log
"$AZKV" get ftpadmin >/dev/null 2>&1
is "$(emu_ctl count vault)" 2 "0644 challenge cache: not trusted"
rm -f "$ch"
"$AZKV" get ftpadmin >/dev/null 2>&1

# --no-cache: nothing learnt on disk is used
emu_ctl clear-log
"$AZKV" --no-cache get ftpadmin >/dev/null 2>&1
is "$(emu_ctl count vault)" 2 "--no-cache: challenge round trip again"

# ---- client request id and headers ----
hdrs=$(emu_ctl log vault | tail -n 1)
like "$hdrs" '"x-ms-client-request-id": ?"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"' \
	"x-ms-client-request-id is a random UUID"
like "$hdrs" '"[Aa]ccept": ?"application/json"' "Accept: application/json"

# ---- set: the PUT probe carries no body and no token ----
rm -f "$XDG_RUNTIME_DIR"/azkv/vault-*.challenge
emu_ctl clear-log
printf %s 'n3w-value' | "$AZKV" set newsecret 2>"$T/err"
is "$?" 0 "set: exit 0"
is "$(vlog clen)" "PUT None 0 0
PUT bearer $(printf %s '{"value":"n3w-value"}' | wc -c | tr -d ' ') 21" \
	"set: PUT probe with Content-Length 0 and no token, then the body with it"
like "$(emu_ctl log vault | tail -n 1)" '"[Cc]ontent-[Tt]ype": ?"application/json"' \
	"set: Content-Type application/json"
is "$("$AZKV" get newsecret)" "n3w-value" "set then get: the value"

# ---- versions: by --version, by URL, URL overrides the vault setting ----
v1=$(emu_ctl secret-set multi one)
v2=$(emu_ctl secret-set multi two)
is "$("$AZKV" get multi)" "two" "latest version"
is "$("$AZKV" get multi --version "$v1")" "one" "--version picks the old one"
is "$("$AZKV" get "$EMU_VAULT_URL/secrets/multi/$v1")" "one" "URL with version"
is "$("$AZKV" get "$EMU_VAULT_URL/secrets/multi/$v2/")" "two" \
	"URL with version and a trailing slash"
is "$("$AZKV" --vault nosuchvault get "$EMU_VAULT_URL/secrets/multi")" "two" \
	"a full URL overrides --vault"
emu_ctl clear-log
"$AZKV" get multi --version "$v1" >/dev/null
is "$(vlog path)" "/secrets/multi/$v1" "GET by version: /secrets/NAME/VERSION"
"$AZKV" get multi --version 0123456789abcdef0123456789abcdef >/dev/null 2>"$T/err"
is "$?" 3 "unknown version: exit 3"
like "$(cat "$T/err")" "no such secret or version" "unknown version: message"
before=$(emu_ctl count vault)
"$AZKV" get multi --version 'x/../../keys' >/dev/null 2>"$T/err"
is "$?" 2 "bad version: usage error"
"$AZKV" get 'bad_name' >/dev/null 2>"$T/err"
is "$?" 2 "bad secret name: usage error"
like "$(cat "$T/err")" "invalid secret name 'bad_name'" "bad secret name: message"
is "$(emu_ctl count vault)" "$before" "bad names and versions: no request"

# ---- api-version ----
emu_ctl clear-log
is "$("$AZKV" --api-version 2016-10-01 get multi)" "two" "api-version 2016-10-01: get"
printf %s old-api | "$AZKV" --api-version 2016-10-01 set oldapi
is "$?" 0 "api-version 2016-10-01: set"
is "$(vlog query | sort -u)" "api-version=2016-10-01" "api-version sent as given"
emu_ctl clear-log
"$AZKV" get multi >/dev/null
is "$(vlog query)" "api-version=7.5" "default api-version 7.5"

# ---- delete, 409 while soft-deleted, purge, set again ----
"$AZKV" delete newsecret 2>"$T/err"
is "$?" 0 "delete: exit 0"
is "$(vlog method | tail -n 1)" "DELETE" "delete: DELETE sent"
"$AZKV" get newsecret >/dev/null 2>"$T/err"
is "$?" 3 "get after delete: exit 3"
printf %s again | "$AZKV" set newsecret 2>"$T/err"
is "$?" 1 "set over a soft-deleted name: exit 1"
like "$(cat "$T/err")" "^azkv: cannot write secret 'newsecret' to '.*': conflict \(409 Conflict\); a deleted secret still holds this name: recover it or purge it first( \[request id [0-9a-f-]+\])?$" \
	"409: message with the hint"
emu_ctl secret-purge newsecret
printf %s again | "$AZKV" set newsecret
is "$("$AZKV" get newsecret)" "again" "after purge: set and get work"
"$AZKV" delete no-such-secret 2>"$T/err"
is "$?" 3 "delete of a missing secret: exit 3"

# ---- a 25 KB value with characters JSON must escape, byte-exact ----
"$PYTHON3" - "$T/big" <<'PY'
import random, sys
random.seed(200)
alphabet = ['"', '\\', '/', '\b', '\f', '\n', '\r', '\t', '\x01', '\x1f',
            '\x7f', '+', '<', '>', '&', "'", 'a', 'Z', '0', ' ',
            '\u00e9', '\u2028', '\u20ac', '\U0001f511']
out = bytearray()
while True:
    ch = random.choice(alphabet).encode()
    if len(out) + len(ch) > 25600:
        break
    out += ch
out += b'x' * (25600 - len(out))
open(sys.argv[1], 'wb').write(bytes(out))
PY
is "$(wc -c <"$T/big" | tr -d ' ')" 25600 "big value: 25600 bytes"
"$AZKV" set bigsecret <"$T/big" 2>"$T/err"
is "$?" 0 "big value: set"
"$AZKV" get -n bigsecret >"$T/big.got" 2>"$T/err"
is "$?" 0 "big value: get"
cmp -s "$T/big" "$T/big.got"
ok "$?" "big value: round-trips byte for byte"
# the emulator stores \u escapes (as Key Vault sends \u002B for +)
emu_ctl secret-set esc "$(printf 'a+b<c>\001')" >/dev/null
"$AZKV" get -n esc | od -An -c | tr -s ' ' >"$T/esc"
like "$(cat "$T/esc")" 'a \+ b < c > 001' "control characters and + survive"
head -c 25601 /dev/zero | tr '\0' z >"$T/toobig"
before=$(emu_ctl count vault)
"$AZKV" set toobig <"$T/toobig" 2>"$T/err"
is "$?" 2 "25601 bytes: usage error"
is "$(emu_ctl count vault)" "$before" "25601 bytes: no request"
printf 'bad\377utf8' | "$AZKV" set notutf8 2>"$T/err"
is "$?" 2 "a value that is not UTF-8: usage error"
like "$(cat "$T/err")" "not valid UTF-8" "not UTF-8: message"
printf %s v | "$AZKV" set "$EMU_VAULT_URL/secrets/multi/$v1" 2>"$T/err"
is "$?" 2 "set with a version in the URL: usage error"
"$AZKV" delete "$EMU_VAULT_URL/secrets/multi/$v1" 2>"$T/err"
is "$?" 2 "delete with a version in the URL: usage error"
is "$(emu_ctl count vault)" "$before" "refused values and URLs: no request"

done_testing
