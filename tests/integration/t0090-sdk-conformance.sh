#!/bin/sh
# t0090-sdk-conformance.sh: the official Azure SDK for JavaScript (@azure/identity
# ManagedIdentityCredential + @azure/keyvault-secrets SecretClient) works against the emulator.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

NODE=$(emu_node) ||
	skip_all "no Node.js >= 20, which the pinned Azure SDK requires (scripts/install-deps fetches one)"

# node_modules from scripts/install-deps (npm ci); in a tree without it (make distcheck),
# install the locked versions into the scratch dir, from npm's cache when possible.
sdk=$top_srcdir/tests/emulator/sdk
if [ ! -d "$sdk/node_modules/@azure/identity" ]; then
	command -v npm >/dev/null 2>&1 || skip_all "node_modules missing and npm is not installed"
	mkdir -p "$T/sdk"
	cp "$sdk/package.json" "$sdk/package-lock.json" "$sdk/conformance.js" "$T/sdk/"
	if ! npm ci --prefix "$T/sdk" --prefer-offline --no-audit --no-fund >"$T/npm.log" 2>&1; then
		sed 's/^/# /' "$T/npm.log" | tail -n 20
		echo "Bail out! npm ci failed (run scripts/install-deps)"
		exit 1
	fi
	sdk=$T/sdk
fi

emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_ctl secret-set ftpadmin 'pa55word' >/dev/null
emu_ctl secret-set Unicode 'grüße +/=\"' --content-type text/plain >/dev/null

# The SDK trusts the test CA through NODE_EXTRA_CA_CERTS and finds IMDS through
# AZURE_POD_IDENTITY_AUTHORITY_HOST. Node does not resolve *.localhost itself, so the
# script maps the vault host to 127.0.0.1 (SDK_RESOLVE_HOST).
NODE_EXTRA_CA_CERTS=$EMU_CA
AZURE_POD_IDENTITY_AUTHORITY_HOST=$EMU_IMDS
export NODE_EXTRA_CA_CERTS AZURE_POD_IDENTITY_AUTHORITY_HOST
unset IDENTITY_ENDPOINT IDENTITY_HEADER MSI_ENDPOINT MSI_SECRET IMDS_ENDPOINT \
	AZURE_CLIENT_ID AZURE_TENANT_ID AZURE_FEDERATED_TOKEN_FILE 2>/dev/null
local_url=$EMU_VAULT_URL
azure_url=https://myvault.vault.azure.net:$EMU_VAULT_PORT

sdkrun() {	# sdkrun VAULT_URL OP NAME [VERSION] (env: SDK_*) -> JSON line
	(cd "$sdk" && "$NODE" conformance.js "$@") 2>"$T/node.err" </dev/null
}
field() {	# field KEY < JSON line
	"$EMU_PYTHON" -c 'import json,sys
v=json.loads(sys.stdin.readline()).get(sys.argv[1])
print("" if v is None else v)' "$1"
}

# *.localhost vault: the SDK's challenge check must be switched off
out=$(SDK_RESOLVE_HOST=myvault.vault.localhost SDK_NO_VERIFY=1 sdkrun "$local_url" get ftpadmin)
is "$(printf %s "$out" | field value)" pa55word "sdk: getSecret through IMDS + challenge"
like "$(printf %s "$out" | field id)" "^$local_url/secrets/ftpadmin/[0-9a-f]{32}\$" "sdk: secret id parsed"
is "$(emu_ctl count imds)" 1 "sdk: one IMDS token request"
like "$(emu_ctl log imds)" '"Metadata":"true"' "sdk: IMDS request carries Metadata: true"
is "$(emu_ctl log vault | grep -c '"status":401')" 1 "sdk: one challenge round-trip"

out=$(SDK_RESOLVE_HOST=myvault.vault.localhost SDK_NO_VERIFY=1 sdkrun "$local_url" get Unicode)
is "$(printf %s "$out" | field value)" 'grüße +/=\"' "sdk: non-ASCII value round-trips"
is "$(printf %s "$out" | field contentType)" text/plain "sdk: contentType"

out=$(printf 'set by the sdk' | (cd "$sdk" && SDK_RESOLVE_HOST=myvault.vault.localhost \
	SDK_NO_VERIFY=1 "$NODE" conformance.js "$local_url" set sdkset 2>"$T/node.err"))
is "$(printf %s "$out" | field ok)" True "sdk: setSecret"
is "$(emu_ctl secret-show sdkset | field versions | grep -c 'set by the sdk')" 1 "sdk: the value reached the emulator"
v=$(printf %s "$out" | field version)
out=$(SDK_RESOLVE_HOST=myvault.vault.localhost SDK_NO_VERIFY=1 sdkrun "$local_url" get sdkset "$v")
is "$(printf %s "$out" | field value)" 'set by the sdk' "sdk: getSecret by version"

out=$(SDK_RESOLVE_HOST=myvault.vault.localhost SDK_NO_VERIFY=1 sdkrun "$local_url" get nope)
is "$(printf %s "$out" | field name)" RestError "sdk: missing secret is a RestError"
is "$(printf %s "$out" | field statusCode)" 404 "sdk: ... with status 404"
is "$(printf %s "$out" | field code)" SecretNotFound "sdk: ... and code SecretNotFound"

# the SDK's challenge-resource check refuses the localhost vault ...
out=$(SDK_RESOLVE_HOST=myvault.vault.localhost sdkrun "$local_url" get ftpadmin)
like "$(printf %s "$out" | field message)" "challenge resource 'vault.azure.net' does not match" "sdk: challenge verification rejects a non-Azure host"
# ... and accepts *.vault.azure.net with verification on
out=$(SDK_RESOLVE_HOST=myvault.vault.azure.net sdkrun "$azure_url" get ftpadmin)
is "$(printf %s "$out" | field value)" pa55word "sdk: verification on, myvault.vault.azure.net"

# a foreign challenge resource is refused by the SDK, and no token is sent
emu_ctl clear-log
emu_ctl fault vault challenge
out=$(SDK_RESOLVE_HOST=myvault.vault.azure.net sdkrun "$azure_url" get ftpadmin)
is "$(printf %s "$out" | field ok)" False "sdk: challenge naming management.azure.com fails"
is "$(emu_ctl log vault | grep -c '"authorization":"bearer"')" 0 "sdk: ... and sends no token"

# user-assigned identity, and RBAC denial
out=$(SDK_CLIENT_ID=$EMU_UA1_CLIENT_ID SDK_RESOLVE_HOST=myvault.vault.azure.net sdkrun "$azure_url" get ftpadmin)
is "$(printf %s "$out" | field value)" pa55word "sdk: user-assigned identity by client id"
like "$(emu_ctl log imds | tail -n 1)" "client_id=$EMU_UA1_CLIENT_ID" "sdk: ... sent as client_id"
out=$(SDK_CLIENT_ID=$EMU_UA3_CLIENT_ID SDK_RESOLVE_HOST=myvault.vault.azure.net sdkrun "$azure_url" get ftpadmin)
is "$(printf %s "$out" | field statusCode)" 403 "sdk: identity without rights gets 403"
is "$(printf %s "$out" | field code)" Forbidden "sdk: ... code Forbidden"

# disabled secret
emu_ctl secret-set off x --enabled false >/dev/null
out=$(SDK_RESOLVE_HOST=myvault.vault.azure.net sdkrun "$azure_url" get off)
is "$(printf %s "$out" | field message)" "Operation get is not allowed on a disabled secret." "sdk: disabled secret message"

# IMDS faults the SDK retries: 500 then success
emu_ctl clear-log
emu_ctl fault imds 500x1
out=$(SDK_RESOLVE_HOST=myvault.vault.azure.net sdkrun "$azure_url" get ftpadmin)
is "$(printf %s "$out" | field value)" pa55word "sdk: retries an IMDS 500"
is "$(emu_ctl count imds)" 2 "sdk: ... with a second token request"

# App Service source (IDENTITY_ENDPOINT + IDENTITY_HEADER)
emu_ctl clear-log
out=$(IDENTITY_ENDPOINT=$EMU_APPSERVICE_ENDPOINT IDENTITY_HEADER=$EMU_APPSERVICE_HEADER \
	SDK_RESOLVE_HOST=myvault.vault.azure.net sdkrun "$azure_url" get ftpadmin)
is "$(printf %s "$out" | field value)" pa55word "sdk: App Service 2019-08-01 token"
is "$(emu_ctl count appservice)" 1 "sdk: ... from the App Service endpoint"
is "$(emu_ctl count imds)" 0 "sdk: ... and not from IMDS"

# Cloud Shell, Azure ML, Service Fabric (its certificate trusted through
# NODE_EXTRA_CA_CERTS) and workload identity, through MSAL's sources
cat "$EMU_CA" "$EMU_SF_CERT" >"$T/cas.pem"
NODE_EXTRA_CA_CERTS=$T/cas.pem
emu_ctl clear-log
out=$(MSI_ENDPOINT=$EMU_CLOUDSHELL_ENDPOINT SDK_RESOLVE_HOST=myvault.vault.azure.net \
	sdkrun "$azure_url" get ftpadmin)
is "$(printf %s "$out" | field value)" pa55word "sdk: Cloud Shell token"
like "$(emu_ctl log cloudshell)" '"method":"POST".*"body":"resource=https%3A%2F%2Fvault.azure.net"' "sdk: ... by POST with a resource form"
out=$(MSI_ENDPOINT=$EMU_AZUREML_ENDPOINT MSI_SECRET=$EMU_AZUREML_SECRET \
	SDK_RESOLVE_HOST=myvault.vault.azure.net sdkrun "$azure_url" get ftpadmin)
is "$(printf %s "$out" | field value)" pa55word "sdk: Azure ML token"
is "$(emu_ctl count azureml)" 1 "sdk: ... from the Azure ML endpoint"
out=$(IDENTITY_ENDPOINT=$EMU_SF_ENDPOINT IDENTITY_HEADER=$EMU_SF_HEADER \
	IDENTITY_SERVER_THUMBPRINT=$EMU_SF_THUMBPRINT \
	SDK_RESOLVE_HOST=myvault.vault.azure.net sdkrun "$azure_url" get ftpadmin)
is "$(printf %s "$out" | field value)" pa55word "sdk: Service Fabric token"
is "$(emu_ctl count servicefabric)" 1 "sdk: ... from the Service Fabric endpoint"
wi_run() {
	SDK_CREDENTIAL=workload AZURE_TENANT_ID=$EMU_TENANT AZURE_CLIENT_ID=$EMU_WI_CLIENT_ID \
	AZURE_FEDERATED_TOKEN_FILE=$EMU_FEDERATED_TOKEN_FILE AZURE_AUTHORITY_HOST=$EMU_AUTHORITY \
	SDK_RESOLVE_HOST=myvault.vault.azure.net sdkrun "$azure_url" get ftpadmin
}
out=$(wi_run)
is "$(printf %s "$out" | field value)" pa55word "sdk: WorkloadIdentityCredential token"
like "$(emu_ctl log authority | grep '/oauth2/v2.0/token')" 'client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer' "sdk: ... by client assertion"
cp "$EMU_FEDERATED_TOKEN_FILE" "$T/old-assertion"
emu_ctl federated-rotate
out=$(wi_run)
is "$(printf %s "$out" | field value)" pa55word "sdk: workload identity after the token file rotated"
cp "$T/old-assertion" "$EMU_FEDERATED_TOKEN_FILE"
out=$(wi_run)
like "$(printf %s "$out" | field message)" 'AADSTS700024' "sdk: a stale assertion gives AADSTS700024"

# Azure Arc: MSAL only reads key files from /var/opt/azcmagent/tokens, so as root
# run a second emulator and node in a private mount namespace with a tmpfs there.
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 &&
    unshare -m true 2>/dev/null; then
	cat >"$T/arc.sh" <<'ARC'
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null' EXIT
trap 'exit 1' INT TERM
mount -t tmpfs -o mode=755 azkv-arc /var/opt || exit 1
mkdir -p -m 700 /var/opt/azcmagent/tokens || exit 1
"$EMU_PYTHON" "$top_srcdir/tests/emulator/azkv-emulator.py" --state-dir "$T/emu-arc" \
	--arc-key-dir /var/opt/azcmagent/tokens >"$T/emu-arc.log" 2>&1 &
pid=$!
i=0
while [ ! -s "$T/emu-arc/env.sh" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
. "$T/emu-arc/env.sh" || exit 1
curl -s --noproxy '*' -m 20 -o /dev/null --data-urlencode a=secret-set \
	--data-urlencode a=arcsecret --data-urlencode a=arc-value "$EMU_CONTROL/ctl"
(cd "$sdk" && NODE_EXTRA_CA_CERTS=$EMU_CA IDENTITY_ENDPOINT=$EMU_ARC_ENDPOINT \
	IMDS_ENDPOINT=$EMU_ARC_IMDS_ENDPOINT SDK_RESOLVE_HOST=myvault.vault.azure.net \
	"$NODE" conformance.js "https://myvault.vault.azure.net:$EMU_VAULT_PORT" get arcsecret) \
	2>"$T/node.err" </dev/null
curl -s --noproxy '*' -m 20 --data-urlencode a=log --data-urlencode a=arc \
	"$EMU_CONTROL/ctl" >"$T/arc-log"
ARC
	out=$(T=$T sdk=$sdk NODE=$NODE timeout 120 unshare -m sh "$T/arc.sh")
	is "$(printf %s "$out" | field value)" arc-value "sdk: Azure Arc token (key file in a private /var/opt)"
	like "$(grep -c '"status":401' "$T/arc-log")" '^1$' "sdk: ... after one 401 Basic realm challenge"
	like "$(grep '"status":200' "$T/arc-log")" '"Authorization":"Basic [0-9a-f]{64}"' "sdk: ... then Basic with the key file's contents"
else
	skip "sdk: Azure Arc needs root and unshare (MSAL reads keys only from /var/opt/azcmagent/tokens)"
	skip "sdk: Azure Arc challenge"
	skip "sdk: Azure Arc Basic key"
fi

[ "$tap_failed" -eq 0 ] || { diag "node stderr:"; sed 's/^/#   /' "$T/node.err"; }
done_testing
