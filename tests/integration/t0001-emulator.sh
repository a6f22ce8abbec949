#!/bin/sh
# t0001-emulator.sh: the Azure emulator itself behaves like the recorded services (curl-driven).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl not installed"
emu_start || { echo "Bail out! emulator did not start"; exit 1; }

Q='api-version=7.5'
imds() {	# imds QUERY-EXTRA -> body; status in $T/st
	curl -m 20 -s -o "$T/body" -w '%{http_code}' -H 'Metadata: true' \
		"$EMU_IMDS/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net$1" >"$T/st"
	cat "$T/body"
}
jget() {	# jget KEY < json
	"$EMU_PYTHON" -c 'import json,sys
v=json.load(sys.stdin)
for k in sys.argv[1].split("."): v=v[k]
print(v if not isinstance(v,(dict,list,bool)) else json.dumps(v))' "$1"
}
kv() {	# kv METHOD PATH [TOKEN [BODY]] -> body; status in $T/st, headers in $T/hdr
	set -- "$1" "$2" "${3:-}" "${4:-}"
	if [ -n "$3" ]; then
		curl -m 20 -s -D "$T/hdr" -o "$T/body" -w '%{http_code}' --cacert "$EMU_CA" -X "$1" \
			-H "Authorization: Bearer $3" -H 'Content-Type: application/json' \
			${4:+--data-binary "$4"} "$EMU_VAULT_URL$2" >"$T/st"
	else
		curl -m 20 -s -D "$T/hdr" -o "$T/body" -w '%{http_code}' --cacert "$EMU_CA" -X "$1" \
			"$EMU_VAULT_URL$2" >"$T/st"
	fi
	cat "$T/body"
}
st() { cat "$T/st"; }

# IMDS
body=$(imds "")
is "$(st)" 200 "imds: system identity token"
tok=$(printf %s "$body" | jget access_token)
is "$(printf %s "$body" | jget expires_in)" 86399 "imds: expires_in is a string of seconds"
like "$body" '"expires_on":"[0-9]+"' "imds: expires_on is a string"
like "$tok" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' "imds: token is JWT-shaped"
curl -m 20 -s -o /dev/null -w '%{http_code}' "$EMU_IMDS/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net" >"$T/st"
is "$(st)" 400 "imds: no Metadata header -> 400"
body=$(imds "&client_id=00000000-0000-0000-0000-000000000000")
is "$body" '{"error":"invalid_request","error_description":"Identity not found"}' "imds: unknown identity body"
body=$(imds "&client_id=$EMU_UA1_CLIENT_ID")
is "$(printf %s "$body" | jget client_id)" "$EMU_UA1_CLIENT_ID" "imds: user-assigned by client_id"
body=$(imds "&msi_res_id=$EMU_UA2_RESOURCE_ID")
is "$(printf %s "$body" | jget client_id)" "$EMU_UA2_CLIENT_ID" "imds: user-assigned by msi_res_id"
ua2tok=$(printf %s "$body" | jget access_token)
body=$(imds "&object_id=$EMU_UA3_OBJECT_ID")
is "$(printf %s "$body" | jget client_id)" "$EMU_UA3_CLIENT_ID" "imds: user-assigned by object_id"
ua3tok=$(printf %s "$body" | jget access_token)

# Key Vault challenge and audience
kv GET "/secrets/nope/?$Q" >/dev/null
is "$(st)" 401 "vault: no token -> 401"
is "$(cat "$T/body")" '{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}' "vault: recorded 401 body"
like "$(cat "$T/hdr")" "WWW-Authenticate: Bearer authorization=\"https://login.microsoftonline.com/$EMU_TENANT\", resource=\"https://vault.azure.net\"" "vault: challenge header"
armtok=$(emu_ctl token system https://management.azure.com)
kv GET "/secrets/nope/?$Q" "$armtok" >/dev/null
is "$(st)" 401 "vault: token for another audience -> 401"
like "$(cat "$T/body")" 'AKV10022' "vault: invalid audience message"
kv GET "/secrets/nope/?$Q" "$tok.x" >/dev/null
is "$(st)" 401 "vault: forged token -> 401"
old=$(emu_ctl token system https://vault.azure.net -10)
kv GET "/secrets/nope/?$Q" "$old" >/dev/null
is "$(st)" 401 "vault: expired token -> 401"
kv GET "/secrets/nope/" "$tok" >/dev/null
is "$(st)" 400 "vault: no api-version -> 400"

# secrets
body=$(kv GET "/secrets/nope/?$Q" "$tok")
is "$(st)" 404 "vault: missing secret -> 404"
is "$(printf %s "$body" | jget error.code)" SecretNotFound "vault: SecretNotFound"
body=$(kv PUT "/secrets/ftpadmin?$Q" "$tok" '{"value":"pa55word","contentType":"text/plain","tags":{"env":"test"}}')
is "$(st)" 200 "vault: set"
v1=$(printf %s "$body" | jget id)
like "$v1" "^$EMU_VAULT_URL/secrets/ftpadmin/[0-9a-f]{32}\$" "vault: id with 32-hex version"
like "$body" '"attributes":\{"enabled":true,"created":[0-9]+,"updated":[0-9]+,"recoveryLevel":"CustomizedRecoverable\+Purgeable","recoverableDays":7\}' "vault: attributes as recorded"
body=$(kv PUT "/secrets/ftpadmin?$Q" "$tok" '{"value":"second"}')
v2=$(printf %s "$body" | jget id)
unlike "$body" 'contentType|tags' "vault: contentType/tags only when set"
is "$(kv GET "/secrets/ftpadmin/?$Q" "$tok" | jget value)" second "vault: get latest"
is "$(kv GET "/secrets/FTPADMIN?$Q" "$tok" | jget value)" second "vault: names are case-insensitive"
is "$(kv GET "/secrets/ftpadmin/${v1##*/}?$Q" "$tok" | jget value)" pa55word "vault: get by version"
like "$(cat "$T/hdr")" 'Content-Type: application/json; charset=utf-8' "vault: content type"
like "$(cat "$T/hdr")" 'x-ms-request-id: [0-9a-f-]{36}' "vault: request id header"
kv GET "/secrets/ftpadmin/?2016-10-01" "$tok" >/dev/null
is "$(st)" 400 "vault: garbage query -> 400"
kv GET "/secrets/ftpadmin/?api-version=2016-10-01" "$tok" >/dev/null
is "$(st)" 200 "vault: api-version 2016-10-01"
kv GET "/secrets/ftpadmin/?api-version=2025-07-01" "$tok" >/dev/null
is "$(st)" 200 "vault: api-version 2025-07-01"
kv GET "/secrets/ftpadmin/?api-version=7.9" "$tok" >/dev/null
is "$(st)" 400 "vault: unknown api-version -> 400"
kv GET "/secrets/bad_name/?$Q" "$tok" >/dev/null
is "$(st)" 400 "vault: bad name -> 400"

# soft delete
body=$(kv DELETE "/secrets/ftpadmin?$Q" "$tok")
is "$(st)" 200 "vault: delete"
like "$body" '"recoveryId":"[^"]*/deletedsecrets/ftpadmin","deletedDate":[0-9]+,"scheduledPurgeDate":[0-9]+' "vault: deleted bundle"
kv GET "/secrets/ftpadmin/?$Q" "$tok" >/dev/null
is "$(st)" 404 "vault: deleted secret -> 404"
body=$(kv PUT "/secrets/ftpadmin?$Q" "$tok" '{"value":"again"}')
is "$(st)" 409 "vault: set after delete -> 409"
is "$(printf %s "$body" | jget error.message)" "Secret ftpadmin is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged." "vault: 409 message"
kv GET "/deletedsecrets/ftpadmin?$Q" "$tok" >/dev/null
is "$(st)" 200 "vault: get deleted secret"
kv POST "/deletedsecrets/ftpadmin/recover?$Q" "$tok" >/dev/null
is "$(st)" 200 "vault: recover"
is "$(kv GET "/secrets/ftpadmin/?$Q" "$tok" | jget value)" second "vault: recovered value"
kv DELETE "/secrets/ftpadmin?$Q" "$tok" >/dev/null
kv DELETE "/deletedsecrets/ftpadmin?$Q" "$tok" >/dev/null
is "$(st)" 204 "vault: purge -> 204"
kv PUT "/secrets/ftpadmin?$Q" "$tok" '{"value":"third"}' >/dev/null
is "$(st)" 200 "vault: set after purge"

printf 'multi word +value' | emu_ctl secret-set fromstdin - --tag 'k=a b' >/dev/null
is "$(kv GET "/secrets/fromstdin/?$Q" "$tok" | jget value)" "multi word +value" "emu_ctl: secret-set value from stdin, verbatim"
is "$(jget tags.k <"$T/body")" "a b" "emu_ctl: tags"
emu_ctl nonsense 2>/dev/null
is "$?" 2 "emu_ctl: unknown command -> exit 2"

# attributes and permissions
emu_ctl secret-set off v --enabled false >/dev/null
body=$(kv GET "/secrets/off/?$Q" "$tok")
is "$body" '{"error":{"code":"Forbidden","message":"Operation get is not allowed on a disabled secret.","innererror":{"code":"SecretDisabled"}}}' "vault: disabled secret -> recorded 403"
body=$(kv GET "/secrets/ftpadmin/?$Q" "$ua3tok")
is "$(st)" 403 "vault: identity without rights -> 403"
is "$(printf %s "$body" | jget error.innererror.code)" ForbiddenByRbac "vault: ForbiddenByRbac"
kv GET "/secrets/ftpadmin/?$Q" "$ua2tok" >/dev/null
is "$(st)" 200 "vault: get-only identity may get"
kv PUT "/secrets/ftpadmin?$Q" "$ua2tok" '{"value":"x"}' >/dev/null
is "$(st)" 403 "vault: get-only identity may not set"

# other token services
R=https://vault.azure.net
tokget() {	# tokget CURL-ARGS... -> body; status in $T/st
	curl -m 20 -s -o "$T/body" -w '%{http_code}' "$@" >"$T/st"
	cat "$T/body"
}
body=$(tokget -H "X-IDENTITY-HEADER: $EMU_APPSERVICE_HEADER" "$EMU_APPSERVICE_ENDPOINT?api-version=2019-08-01&resource=$R")
is "$(st)" 200 "appservice: 2019-08-01 token"
like "$body" '^\{"access_token":"[^"]+","expires_on":"[0-9]+","resource":"https://vault.azure.net","token_type":"Bearer","client_id":"[^"]+"\}$' "appservice: only expires_on, as a string, and client_id"
body=$(tokget -H "X-IDENTITY-HEADER: $EMU_APPSERVICE_HEADER" "$EMU_APPSERVICE_ENDPOINT?api-version=2019-08-01&resource=$R&principal_id=$EMU_UA1_OBJECT_ID")
is "$(printf %s "$body" | jget client_id)" "$EMU_UA1_CLIENT_ID" "appservice: principal_id selects"
body=$(tokget -H "X-IDENTITY-HEADER: $EMU_APPSERVICE_HEADER" "$EMU_APPSERVICE_ENDPOINT?api-version=2019-08-01&resource=$R&mi_res_id=$EMU_UA2_RESOURCE_ID")
is "$(printf %s "$body" | jget client_id)" "$EMU_UA2_CLIENT_ID" "appservice: mi_res_id selects"
tokget "$EMU_APPSERVICE_ENDPOINT?api-version=2019-08-01&resource=$R" >/dev/null
is "$(st)" 401 "appservice: no X-IDENTITY-HEADER -> 401"
body=$(tokget -H "secret: $EMU_APPSERVICE_HEADER" "$EMU_APPSERVICE_ENDPOINT?api-version=2017-09-01&resource=$R&clientid=$EMU_UA1_CLIENT_ID")
like "$(printf %s "$body" | jget expires_on)" '^[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} \+00:00$' "appservice 2017: expires_on is a date string"

hdr=$(curl -m 20 -s -D - -o /dev/null -H "Metadata: true" "$EMU_ARC_ENDPOINT?api-version=2020-06-01&resource=$R" | tr -d '\r')
realm=$(printf '%s\n' "$hdr" | sed -n 's/^WWW-Authenticate: Basic realm=//p')
like "$realm" "^$EMU_ARC_KEY_DIR/[0-9a-f]+\\.key\$" "arc: 401 Basic realm names a key file in the key dir"
body=$(tokget -H "Metadata: true" -H "Authorization: Basic $(cat "$realm")" "$EMU_ARC_ENDPOINT?api-version=2020-06-01&resource=$R")
is "$(st)" 200 "arc: token with the key file's contents"
body=$(tokget -H "Metadata: true" -H "Authorization: Basic nope" "$EMU_ARC_ENDPOINT?api-version=2020-06-01&resource=$R")
is "$(st)" 401 "arc: wrong key -> 401"

body=$(tokget -H "Metadata: true" -d "resource=$R" "$EMU_CLOUDSHELL_ENDPOINT")
is "$(st)" 200 "cloudshell: POST form token"
body=$(tokget -H "secret: $EMU_AZUREML_SECRET" "$EMU_AZUREML_ENDPOINT?api-version=2017-09-01&resource=$R&clientid=$EMU_UA1_CLIENT_ID")
like "$body" '"expires_on":[0-9]+,' "azureml: expires_on is an integer"
is "$(printf %s "$body" | jget client_id)" "$EMU_UA1_CLIENT_ID" "azureml: clientid selects"

body=$(tokget --cacert "$EMU_SF_CERT" -H "Secret: $EMU_SF_HEADER" "$EMU_SF_ENDPOINT?api-version=2019-07-01-preview&resource=$R")
is "$(st)" 200 "servicefabric: token over its own certificate"
is "$(openssl x509 -in "$EMU_SF_CERT" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')" "$EMU_SF_THUMBPRINT" "servicefabric: thumbprint"
body=$(tokget --cacert "$EMU_SF_CERT" "$EMU_SF_ENDPOINT?api-version=2019-07-01-preview&resource=$R")
is "$(printf %s "$body" | jget error.code)" SecretHeaderNotFound "servicefabric: no Secret header"

wi() {	# wi ASSERTION
	tokget --cacert "$EMU_CA" --data-urlencode "client_assertion=$1" -d grant_type=client_credentials \
		-d client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer \
		-d "client_id=$EMU_WI_CLIENT_ID" -d scope=https%3A%2F%2Fvault.azure.net%2F.default \
		"$EMU_AUTHORITY/$EMU_TENANT/oauth2/v2.0/token"
}
old=$(cat "$EMU_FEDERATED_TOKEN_FILE")
body=$(wi "$old")
like "$body" '^\{"token_type":"Bearer","expires_in":86399,"ext_expires_in":86399,"access_token":"[^"]+"\}$' "authority: v2 token reply"
wtok=$(printf %s "$body" | jget access_token)
kv GET "/secrets/ftpadmin/?$Q" "$wtok" >/dev/null
is "$(st)" 200 "vault: accepts the workload identity's token"
emu_ctl federated-rotate
new=$(cat "$EMU_FEDERATED_TOKEN_FILE")
body=$(wi "$old")
like "$body" 'AADSTS700024: Client assertion is not within its valid time range' "authority: old assertion after rotation -> AADSTS700024"
wi "$new" >/dev/null
is "$(st)" 200 "authority: the new assertion works"

# TLS faults
for m in WRONGNAME UNTRUSTED EXPIRED; do
	eval "u=\$EMU_VAULT_${m}_URL"
	curl -m 20 -s -o /dev/null --cacert "$EMU_CA" "$u/secrets/x?$Q"
	is "$?" 60 "tls: $m certificate is refused by curl"
done
curl -m 20 -s -o /dev/null --cacert "$EMU_CA" -k "$EMU_VAULT_EXPIRED_URL/secrets/x?$Q"
is "$?" 0 "tls: the expired port serves the vault"

# faults
emu_ctl fault imds 410x2 || ok 1 "fault accepted"
imds "" >/dev/null; a=$(st); imds "" >/dev/null; b=$(st); imds "" >/dev/null; c=$(st)
is "$a $b $c" "410 410 200" "fault: 410x2 then normal"
emu_ctl fault imds 429:retry-after=7
imds "" >/dev/null
curl -m 20 -s -D - -o /dev/null -H 'Metadata: true' "$EMU_IMDS/metadata/identity/oauth2/token?api-version=2018-02-01&resource=x" >/dev/null
emu_ctl fault imds 429:retry-after-date=30
hdr=$(curl -m 20 -s -D - -o /dev/null -H 'Metadata: true' "$EMU_IMDS/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net")
like "$hdr" 'Retry-After: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT' "fault: Retry-After as HTTP-date"
emu_ctl fault imds unreachable
body=$(imds "")
is "$(st)" 403 "fault: unreachable -> 403"
like "$body" 'A socket operation was attempted to an unreachable network' "fault: unreachable body"
emu_ctl fault imds malformed
body=$(imds "")
printf %s "$body" | "$EMU_PYTHON" -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null
ok $((! $?)) "fault: malformed JSON is not JSON"
emu_ctl fault imds truncated
curl -m 20 -s -o /dev/null -H 'Metadata: true' "$EMU_IMDS/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net"
is "$?" 18 "fault: truncated body (curl: partial file)"
emu_ctl fault imds oversized
n=$(curl -m 20 -s -H 'Metadata: true' "$EMU_IMDS/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net" | wc -c)
is "$n" 10485760 "fault: oversized body is 10 MiB"
emu_ctl fault imds hang
n0=$(emu_ctl count imds)
curl -s -m 2 -o /dev/null -H 'Metadata: true' "$EMU_IMDS/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net" &
hp=$!
i=0
while [ "$(emu_ctl count imds)" = "$n0" ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
imds "" >/dev/null
is "$(st)" 200 "fault: a hang does not block other requests"
wait "$hp"
is "$?" 28 "fault: hung request times out in the client"
emu_ctl fault imds reset
curl -m 20 -s -o /dev/null -H 'Metadata: true' "$EMU_IMDS/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net"
r=$?
ok $((r == 0)) "fault: reset mid-response fails the client (curl $r)"
emu_ctl fault vault 403:inner=ForbiddenByFirewall
kv GET "/secrets/ftpadmin/?$Q" >/dev/null
is "$(st)" 401 "fault: vault faults skip the unauthenticated challenge"
body=$(kv GET "/secrets/ftpadmin/?$Q" "$tok")
is "$(printf %s "$body" | jget error.innererror.code)" ForbiddenByFirewall "fault: vault 403 innererror"
emu_ctl fault vault challenge
kv GET "/secrets/ftpadmin/?$Q" >/dev/null
like "$(cat "$T/hdr")" 'resource="https://management.azure.com"' "fault: foreign challenge resource"
emu_ctl fault vault 'challenge:resource=https%3A%2F%2Fvault.azure.net.evil.example:authorization=https%3A%2F%2Flogin.evil.example%2Ft'
kv GET "/secrets/ftpadmin/?$Q" >/dev/null
like "$(cat "$T/hdr")" 'Bearer authorization="https://login.evil.example/t", resource="https://vault.azure.net.evil.example"' "fault: challenge options are percent-decoded"

emu_ctl fault vault 'drip=400'
body=$(kv GET "/secrets/ftpadmin/?$Q" "$tok")
is "$(printf %s "$body" | jget value)" third "fault: drip delivers the whole body, slowly"
emu_ctl fault vault drip
curl -m 2 -s -o "$T/drip" --cacert "$EMU_CA" -H "Authorization: Bearer $tok" "$EMU_VAULT_URL/secrets/ftpadmin/?$Q"
is "$?" 28 "fault: 1 byte/s drip outlasts a 2 s client timeout"
emu_ctl fault vault delay=1
kv GET "/secrets/ftpadmin/?$Q" "$tok" >/dev/null
is "$(st)" 200 "fault: delay then normal answer"
emu_ctl fault vault wrong-ctype
kv GET "/secrets/ftpadmin/?$Q" "$tok" >/dev/null
like "$(cat "$T/hdr")" 'Content-Type: text/html' "fault: wrong content type"
emu_ctl fault vault 429:retry-after=3
kv GET "/secrets/ftpadmin/?$Q" "$tok" >/dev/null
is "$(st)" 429 "fault: vault 429"
like "$(cat "$T/hdr")" 'Retry-After: 3' "fault: vault Retry-After seconds"
emu_ctl fault vault '429x*:p=0'
kv GET "/secrets/ftpadmin/?$Q" "$tok" >/dev/null
is "$(st)" 200 "fault: p=0 never applies"
emu_ctl fault vault '429x*:p=1'
kv GET "/secrets/ftpadmin/?$Q" "$tok" >/dev/null
is "$(st)" 429 "fault: p=1 always applies"
emu_ctl fault vault clear
emu_ctl fault appservice 500x1
tokget -H "X-IDENTITY-HEADER: $EMU_APPSERVICE_HEADER" "$EMU_APPSERVICE_ENDPOINT?api-version=2019-08-01&resource=$R" >/dev/null
is "$(st)" 500 "fault: per-service queues (appservice)"
tokget -H "Metadata: true" "$EMU_IMDS/metadata/identity/oauth2/token?api-version=2018-02-01&resource=$R" >/dev/null
is "$(st)" 200 "fault: other services unaffected"

# IMDS rate limit: 5 concurrent requests at most
emu_ctl fault imds 'delay=3x*'
i=0
while [ $i -lt 8 ]; do
	curl -m 20 -s -o /dev/null -w '%{http_code}\n' -H 'Metadata: true' \
		"$EMU_IMDS/metadata/identity/oauth2/token?api-version=2018-02-01&resource=$R" >"$T/rl.$i" &
	pids="$pids $!"
	i=$((i + 1))
done
for p in $pids; do wait "$p"; done
pids=
is "$(cat "$T"/rl.* | grep -c 429)" 3 "ratelimit: 8 concurrent requests -> 3 get 429"
emu_ctl fault imds clear
emu_ctl ratelimit off
emu_ctl fault imds 'delay=2x*'
i=0
while [ $i -lt 8 ]; do
	curl -m 20 -s -o /dev/null -w '%{http_code}\n' -H 'Metadata: true' \
		"$EMU_IMDS/metadata/identity/oauth2/token?api-version=2018-02-01&resource=$R" >"$T/rl.$i" &
	pids="$pids $!"
	i=$((i + 1))
done
for p in $pids; do wait "$p"; done
pids=
is "$(cat "$T"/rl.* | grep -c 200)" 8 "ratelimit off: all 8 succeed"
emu_ctl fault imds clear
emu_ctl ratelimit on

# log
is "$(emu_ctl count imds)" "$(emu_ctl log imds | wc -l)" "log: count matches log"
like "$(emu_ctl log vault | grep -c '"authorization":null')" '^[1-9]' "log: records absent Authorization"
like "$(emu_ctl log vault | grep -c '"identity":"system"')" '^[1-9]' "log: records the token's identity"

# fixed listen addresses (the production-path test uses 169.254.169.254:80 and 127.0.0.1:443)
emu_stop
ports=$("$EMU_PYTHON" -c 'import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')
set -- $ports
if emu_start --imds-listen "127.0.0.1:$1" --vault-listen "127.0.0.1:$2"; then
	is "$EMU_IMDS $EMU_VAULT_PORT" "http://127.0.0.1:$1 $2" "listen: --imds-listen/--vault-listen ports used"
	imds "" >/dev/null
	is "$(st)" 200 "listen: IMDS answers on the fixed port"
	kv GET "/secrets/x/?$Q" >/dev/null
	is "$(st)" 401 "listen: the vault answers on the fixed port"
else
	ok 1 "listen: emulator restarted with fixed ports"
fi

done_testing
