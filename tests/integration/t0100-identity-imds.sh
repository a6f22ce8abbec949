#!/bin/sh
# t0100: IMDS tokens through the real `azkv token` / `azkv get`: system and
# user-assigned identities (all three selector forms), request shape, errors.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

unset AZKV_IDENTITY AZKV_IDENTITY_SOURCE AZURE_CLIENT_ID AZKV_CONFIG \
	AZKV_TIMEOUT AZKV_DEBUG AZKV_TOKEN_CACHE IDENTITY_ENDPOINT \
	IDENTITY_HEADER IMDS_ENDPOINT MSI_ENDPOINT MSI_SECRET AZURE_TENANT_ID \
	AZURE_FEDERATED_TOKEN_FILE AZURE_AUTHORITY_HOST XDG_CONFIG_HOME
emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
export AZKV_TOKEN_CACHE=off

AZKV=$top_builddir/azkv
# run ARGS...: run azkv; sets $rc, $out, $err
run() { erun "$AZKV" "$@"; }
# erun [NAME=VALUE...] PROGRAM ARGS...: the same with extra environment
erun() {
	env "$@" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}
# claim TOKEN NAME: a claim from the JWT payload
claim() {
	"$PYTHON3" -c 'import sys,json,base64
p=sys.argv[1].split(".")[1]; p+="="*(-len(p)%4)
print(json.loads(base64.urlsafe_b64decode(p)).get(sys.argv[2],""))' "$1" "$2"
}
# last_req FIELD: a field of the last logged identity request
last_req() {
	emu_ctl log imds | tail -n 1 | "$PYTHON3" -c 'import sys,json
v=json.loads(sys.stdin.read())
for k in sys.argv[1].split("."): v=v.get(k, "") if isinstance(v, dict) else ""
print(v)' "$1"
}

run token
is "$rc" 0 "system identity: exit 0"
like "$out" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' "token printed"
is "$(claim "$out" aud)" "https://vault.azure.net" "audience is the vault"
is "$(claim "$out" oid)" "$EMU_SYSTEM_OBJECT_ID" "system-assigned identity"
is "$(emu_ctl count imds)" 1 "one identity request"
q=$(last_req query)
like "$q" '(^|&)api-version=2018-02-01(&|$)' "api-version 2018-02-01"
like "$q" '(^|&)resource=https%3[aA]%2[fF]%2[fF]vault\.azure\.net(&|$)' \
	"resource URL-encoded"
unlike "$q" 'client_id|object_id|msi_res_id' "no selector for system"
hdrs=$(emu_ctl log imds | tail -n 1)
like "$hdrs" '"Metadata": ?"true"' "Metadata: true sent"
unlike "$hdrs" '[Xx]-[Ff]orwarded-[Ff]or' "no X-Forwarded-For"

run token --resource https://management.azure.com/.default
is "$rc" 0 "--resource with /.default: exit 0"
like "$(last_req query)" 'resource=https%3[aA]%2[fF]%2[fF]management\.azure\.com(&|$)' \
	"/.default stripped from the resource"
is "$(claim "$out" aud)" "https://management.azure.com" "other audience"

for form in "$EMU_UA1_CLIENT_ID" "id://$EMU_UA1_CLIENT_ID"; do
	run --identity "$form" token
	is "$rc" 0 "user-assigned '$form': exit 0"
	is "$(claim "$out" oid)" "$EMU_UA1_OBJECT_ID" "user-assigned '$form': its token"
	like "$(last_req query)" "client_id=$EMU_UA1_CLIENT_ID" "'$form' sent as client_id"
done
run --identity "object://$EMU_UA2_OBJECT_ID" token
is "$rc" 0 "object://: exit 0"
is "$(claim "$out" oid)" "$EMU_UA2_OBJECT_ID" "object://: its token"
like "$(last_req query)" "object_id=$EMU_UA2_OBJECT_ID" "object:// sent as object_id"
run --identity "resource://$EMU_UA3_RESOURCE_ID" token
is "$rc" 0 "resource://: exit 0"
is "$(claim "$out" oid)" "$EMU_UA3_OBJECT_ID" "resource://: its token"
enc=$("$PYTHON3" -c 'import sys,urllib.parse
print(urllib.parse.quote(sys.argv[1], safe=""))' "$EMU_UA3_RESOURCE_ID")
q=$(last_req query | tr 'A-F' 'a-f')
enc=$(printf %s "$enc" | tr 'A-F' 'a-f')
case $q in
*"msi_res_id=$enc"*) ok 0 "resource:// sent whole and URL-encoded as msi_res_id" ;;
*) ok 1 "resource:// sent whole and URL-encoded as msi_res_id"; diag "query: $q" ;;
esac
erun AZKV_IDENTITY="object://$EMU_UA2_OBJECT_ID" "$AZKV" token
is "$(claim "$out" oid)" "$EMU_UA2_OBJECT_ID" "AZKV_IDENTITY selects too"
erun AZURE_CLIENT_ID="$EMU_UA1_CLIENT_ID" "$AZKV" token
is "$(claim "$out" oid)" "$EMU_UA1_OBJECT_ID" "AZURE_CLIENT_ID selects too"

# Identity not found: exit 5 and a final, clear message naming the identity.
n0=$(emu_ctl count imds)
run --identity 00000000-0000-0000-0000-00000000dead token
is "$rc" 5 "unknown identity: exit 5"
like "$err" "identity not found" "unknown identity: says so"
like "$err" "client_id=00000000-0000-0000-0000-00000000dead" "unknown identity: named"
is "$(emu_ctl count imds)" $((n0 + 1)) "unknown identity: not retried"
is "$out" "" "unknown identity: nothing on stdout"

run --identity not-a-guid token
is "$rc" 2 "malformed identity: exit 2"
like "$err" "invalid identity 'not-a-guid'" "malformed identity: named"
run --identity resource://rg/ua token
is "$rc" 2 "resource:// without an ARM id: exit 2"

# Local identity endpoints never go through a proxy.
erun http_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 \
	ALL_PROXY=http://127.0.0.1:9 "$AZKV" token
is "$rc" 0 "proxy variables do not affect IMDS"

# Settings a user could set: explicit source, debug log never shows tokens.
erun AZKV_IDENTITY_SOURCE=imds "$AZKV" -v token
is "$rc" 0 "identity.source = imds"
tok=$out
like "$err" "identity: using imds at $EMU_IMDS" "-v logs the identity source"
case $err in
*"$tok"*) ok 1 "-v never logs the token" ;;
*) ok 0 "-v never logs the token" ;;
esac
sig=${tok##*.}
case $err in
*"$sig"*) ok 1 "-v never logs the token's signature" ;;
*) ok 0 "-v never logs the token's signature" ;;
esac

# azkv get uses the same path.
emu_ctl secret-set t0100 'v-0100' >/dev/null
run get t0100
if [ "$rc" -eq 0 ]; then
	is "$out" "v-0100" "azkv get with the IMDS token"
else
	ok 1 "azkv get with the IMDS token"
	diag "azkv get: $err"
fi

done_testing
