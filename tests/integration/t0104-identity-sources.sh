#!/bin/sh
# t0104: every other identity source through the real `azkv token`/`azkv get`
# against the emulator: App Service, Azure ML, Cloud Shell, Service Fabric
# (pinned thumbprint) and workload identity (federated token re-read).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

unset AZKV_IDENTITY AZKV_IDENTITY_SOURCE AZURE_CLIENT_ID AZKV_CONFIG \
	AZKV_TIMEOUT AZKV_DEBUG IDENTITY_ENDPOINT IDENTITY_HEADER \
	IDENTITY_SERVER_THUMBPRINT IMDS_ENDPOINT MSI_ENDPOINT MSI_SECRET \
	AZURE_TENANT_ID AZURE_FEDERATED_TOKEN_FILE AZURE_AUTHORITY_HOST \
	DEFAULT_IDENTITY_CLIENT_ID XDG_CONFIG_HOME
emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
export AZKV_TOKEN_CACHE=off

AZKV=$top_builddir/azkv
# erun [NAME=VALUE...] ARGS...: run azkv with extra environment
erun() {
	env "$@" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}
claim() {
	"$PYTHON3" -c 'import sys,json,base64
try:
	p=sys.argv[1].split(".")[1]; p+="="*(-len(p)%4)
	print(json.loads(base64.urlsafe_b64decode(p)).get(sys.argv[2],""))
except Exception:
	print("")' "$1" "$2"
}
# last SERVICE FIELD: a field of SERVICE's last logged request
last() {
	emu_ctl log "$1" | tail -n 1 | "$PYTHON3" -c 'import sys,json
t=sys.stdin.read().strip()
v=json.loads(t) if t else {}
for k in sys.argv[1].split("."):
	v=v.get(k, "") if isinstance(v, dict) else ""
print(v)' "$2"
}
# header SERVICE NAME: a request header of SERVICE's last request
header() {
	emu_ctl log "$1" | tail -n 1 | "$PYTHON3" -c 'import sys,json
t=sys.stdin.read().strip()
h=json.loads(t).get("headers", {}) if t else {}
print("".join(v for k, v in h.items() if k.lower() == sys.argv[1].lower()))' "$2"
}
# skip_n N REASON
skip_n() { i=0; while [ $i -lt "$1" ]; do skip "$2"; i=$((i + 1)); done; }
# usable SERVICE: the emulator implements the service
usable() { emu_ctl count "$1" >/dev/null 2>&1; }
emu_ctl secret-set t0104 'v-0104' >/dev/null

# --- App Service / Functions / Container Apps (2019-08-01) --------------------
if [ -n "${EMU_APPSERVICE_ENDPOINT:-}" ] && usable appservice; then
	AS="IDENTITY_ENDPOINT=$EMU_APPSERVICE_ENDPOINT IDENTITY_HEADER=$EMU_APPSERVICE_HEADER"
	n0=$(emu_ctl count imds)
	erun $AS "$AZKV" token
	is "$rc" 0 "app service: exit 0"
	is "$(claim "$out" aud)" "https://vault.azure.net" "app service: audience"
	is "$(emu_ctl count appservice)" 1 "app service: one request"
	is "$(emu_ctl count imds)" "$n0" "app service: IMDS not asked"
	like "$(last appservice query)" "api-version=2019-08-01" "app service: api-version"
	is "$(header appservice X-IDENTITY-HEADER)" "$EMU_APPSERVICE_HEADER" \
		"app service: X-IDENTITY-HEADER sent"
	erun $AS "$AZKV" --identity "$EMU_UA1_CLIENT_ID" token
	is "$(claim "$out" oid)" "$EMU_UA1_OBJECT_ID" "app service: by client id"
	like "$(last appservice query)" "client_id=$EMU_UA1_CLIENT_ID" "app service: client_id"
	erun $AS "$AZKV" --identity "object://$EMU_UA2_OBJECT_ID" token
	is "$(claim "$out" oid)" "$EMU_UA2_OBJECT_ID" "app service: by object id"
	like "$(last appservice query)" "principal_id=$EMU_UA2_OBJECT_ID" \
		"app service: object id sent as principal_id"
	erun $AS "$AZKV" --identity "resource://$EMU_UA3_RESOURCE_ID" token
	is "$(claim "$out" oid)" "$EMU_UA3_OBJECT_ID" "app service: by resource id"
	like "$(last appservice query)" "mi_res_id=" "app service: resource id sent as mi_res_id"
	erun $AS "$AZKV" --identity 00000000-0000-0000-0000-00000000dead token
	is "$rc" 5 "app service: unknown identity is exit 5"
	like "$err" "identity not found.*client_id=00000000-0000-0000-0000-00000000dead" \
		"app service: unknown identity named"
	erun IDENTITY_ENDPOINT="$EMU_APPSERVICE_ENDPOINT" IDENTITY_HEADER=wrong \
		"$AZKV" token
	ok "$([ "$rc" -ne 0 ]; echo $?)" "app service: wrong IDENTITY_HEADER fails"
	unlike "$err" "$EMU_APPSERVICE_HEADER" "app service: the header secret is never shown"
	erun IDENTITY_ENDPOINT=ftp://127.0.0.1/msi/token IDENTITY_HEADER=h \
		"$AZKV" token
	is "$rc" 2 "app service: a non-http IDENTITY_ENDPOINT is a usage error"
	like "$err" "invalid App Service endpoint 'ftp://127.0.0.1/msi/token' \\(need an http or https URL\\)" \
		"app service: a non-http IDENTITY_ENDPOINT is named"
	erun $AS "$AZKV" get t0104
	is "$out" "v-0104" "app service: azkv get"
else
	skip_n 21 "emulator has no App Service yet"
fi

# --- Azure Machine Learning (MSI_ENDPOINT + MSI_SECRET) ------------------------
if [ -n "${EMU_AZUREML_ENDPOINT:-}" ] && usable azureml; then
	ML="MSI_ENDPOINT=$EMU_AZUREML_ENDPOINT MSI_SECRET=$EMU_AZUREML_SECRET"
	erun $ML "$AZKV" token
	is "$rc" 0 "azure ml: exit 0"
	is "$(emu_ctl count azureml)" 1 "azure ml: one request"
	like "$(last azureml query)" "api-version=2017-09-01" "azure ml: api-version"
	is "$(header azureml secret)" "$EMU_AZUREML_SECRET" "azure ml: secret header"
	erun $ML "$AZKV" --identity "id://$EMU_UA1_CLIENT_ID" token
	is "$(claim "$out" oid)" "$EMU_UA1_OBJECT_ID" "azure ml: by client id"
	like "$(last azureml query)" "clientid=$EMU_UA1_CLIENT_ID" "azure ml: clientid"
	erun $ML "$AZKV" --identity "object://$EMU_UA1_OBJECT_ID" token
	is "$rc" 2 "azure ml: object id is a usage error"
	erun $ML "$AZKV" --identity 00000000-0000-0000-0000-00000000dead token
	is "$rc" 5 "azure ml: unknown identity is exit 5"
	erun $ML DEFAULT_IDENTITY_CLIENT_ID="$EMU_UA2_CLIENT_ID" "$AZKV" token
	is "$(claim "$out" oid)" "$EMU_UA2_OBJECT_ID" "azure ml: DEFAULT_IDENTITY_CLIENT_ID used"
else
	skip_n 9 "emulator has no Azure ML yet"
fi

# --- Cloud Shell (MSI_ENDPOINT alone, POST) -----------------------------------------
if [ -n "${EMU_CLOUDSHELL_ENDPOINT:-}" ] && usable cloudshell; then
	erun MSI_ENDPOINT="$EMU_CLOUDSHELL_ENDPOINT" "$AZKV" token
	is "$rc" 0 "cloud shell: exit 0"
	is "$(emu_ctl count cloudshell)" 1 "cloud shell: one request"
	is "$(last cloudshell method)" POST "cloud shell: POST"
	like "$(last cloudshell body)" "^resource=https%3[aA]%2[fF]%2[fF]vault\.azure\.net$" \
		"cloud shell: form body resource="
	is "$(header cloudshell Metadata)" true "cloud shell: Metadata: true"
	erun MSI_ENDPOINT="$EMU_CLOUDSHELL_ENDPOINT" "$AZKV" \
		--identity "$EMU_UA1_CLIENT_ID" token
	is "$rc" 2 "cloud shell: user-assigned is a usage error"
	is "$(emu_ctl count cloudshell)" 1 "cloud shell: no request for it"
else
	skip_n 7 "emulator has no Cloud Shell yet"
fi

# --- Service Fabric (https, pinned thumbprint) -------------------------------------
if [ -n "${EMU_SF_ENDPOINT:-}" ] && usable servicefabric; then
	SF="IDENTITY_ENDPOINT=$EMU_SF_ENDPOINT IDENTITY_HEADER=$EMU_SF_HEADER"
	erun $SF IDENTITY_SERVER_THUMBPRINT="$EMU_SF_THUMBPRINT" "$AZKV" token
	is "$rc" 0 "service fabric: exit 0 with the pinned certificate"
	is "$(emu_ctl count servicefabric)" 1 "service fabric: one request"
	is "$(header servicefabric Secret)" "$EMU_SF_HEADER" "service fabric: Secret header"
	like "$(last servicefabric query)" "api-version=2019-07-01-preview" \
		"service fabric: api-version"
	erun $SF IDENTITY_SERVER_THUMBPRINT=0000000000000000000000000000000000000000 \
		"$AZKV" token
	is "$rc" 1 "service fabric: another thumbprint fails at once"
	like "$err" "TLS handshake failed.*IDENTITY_SERVER_THUMBPRINT" \
		"service fabric: says the certificate does not match"
	erun $SF IDENTITY_SERVER_THUMBPRINT=AB "$AZKV" token
	is "$rc" 2 "service fabric: malformed thumbprint is a usage error"
	is "$(emu_ctl count servicefabric)" 1 "service fabric: nothing sent to an unpinned server"
	erun $SF IDENTITY_SERVER_THUMBPRINT="$EMU_SF_THUMBPRINT" "$AZKV" \
		--identity "$EMU_UA1_CLIENT_ID" token
	is "$rc" 2 "service fabric: user-assigned is a usage error"
else
	skip_n 9 "emulator has no Service Fabric yet"
fi

# --- workload identity -------------------------------------------------------------------
if [ -n "${EMU_AUTHORITY:-}" ] && usable authority; then
	WI="AZURE_TENANT_ID=$EMU_TENANT AZURE_CLIENT_ID=$EMU_WI_CLIENT_ID"
	WI="$WI AZURE_FEDERATED_TOKEN_FILE=$EMU_FEDERATED_TOKEN_FILE"
	WI="$WI AZURE_AUTHORITY_HOST=$EMU_AUTHORITY"
	erun $WI "$AZKV" token
	is "$rc" 0 "workload identity: exit 0"
	is "$(claim "$out" oid)" "$EMU_WI_OBJECT_ID" "workload identity: its token"
	is "$(emu_ctl count authority)" 1 "workload identity: one request"
	like "$(last authority path)" "^/$EMU_TENANT/oauth2/v2.0/token" "workload identity: path"
	body=$(last authority body)
	like "$body" "grant_type=client_credentials" "workload identity: grant_type"
	like "$body" "scope=https%3[aA]%2[fF]%2[fF]vault\.azure\.net%2[fF]\.default" \
		"workload identity: scope=<resource>/.default"
	like "$body" "client_id=$EMU_WI_CLIENT_ID" "workload identity: client_id"
	like "$body" "client_assertion_type=urn%3[aA]ietf%3[aA]params%3[aA]oauth%3[aA]client-assertion-type%3[aA]jwt-bearer" \
		"workload identity: client_assertion_type"
	a1=$(cat "$EMU_FEDERATED_TOKEN_FILE")
	like "$body" "client_assertion=$a1" "workload identity: the file's assertion"

	emu_ctl federated-rotate >/dev/null
	a2=$(cat "$EMU_FEDERATED_TOKEN_FILE")
	erun $WI "$AZKV" token
	is "$rc" 0 "workload identity: works after the file was rotated"
	like "$(last authority body)" "client_assertion=$a2" "workload identity: the rotated assertion is sent"

	# a retry within one invocation reads the file again
	emu_ctl clear-log >/dev/null
	emu_ctl fault authority 503:retry-after=3 >/dev/null
	env $WI "$AZKV" token >"$T/wi.out" 2>"$T/wi.err" </dev/null &
	wpid=$!
	track_pid "$wpid"
	i=0
	while [ "$(emu_ctl count authority)" -lt 1 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	emu_ctl federated-rotate >/dev/null
	a3=$(cat "$EMU_FEDERATED_TOKEN_FILE")
	wait "$wpid"
	is "$?" 0 "workload identity: retried after 503"
	like "$(last authority body)" "client_assertion=$a3" \
		"workload identity: the retry re-read the rotated file"

	erun $WI AZKV_IDENTITY_SOURCE=workload "$AZKV" token
	is "$rc" 0 "identity.source = workload"
	erun AZURE_TENANT_ID="$EMU_TENANT" AZURE_CLIENT_ID="$EMU_WI_CLIENT_ID" \
		AZURE_FEDERATED_TOKEN_FILE="$EMU_FEDERATED_TOKEN_FILE" \
		AZURE_AUTHORITY_HOST="http://127.0.0.1:9/" "$AZKV" token
	is "$rc" 2 "workload identity: http authority refused"
	erun AZURE_TENANT_ID="$EMU_TENANT" AZURE_CLIENT_ID="$EMU_WI_CLIENT_ID" \
		AZURE_FEDERATED_TOKEN_FILE="$T/missing" \
		AZURE_AUTHORITY_HOST="$EMU_AUTHORITY" "$AZKV" token
	is "$rc" 5 "workload identity: missing token file is exit 5"
	like "$err" "AZURE_FEDERATED_TOKEN_FILE" "workload identity: names the file"
	# a token file that cannot hold an assertion: named, nothing sent
	emu_ctl clear-log >/dev/null
	printf '\n \n' >"$T/empty.jwt"
	"$PYTHON3" -c 'import sys; sys.stdout.write("e" * 70000)' >"$T/huge.jwt"
	mkdir -p "$T/dir.jwt"
	for f in empty:'is empty' huge:'is larger than 65536 bytes' \
	    dir:'is not a regular file'; do
		erun AZURE_TENANT_ID="$EMU_TENANT" AZURE_CLIENT_ID="$EMU_WI_CLIENT_ID" \
			AZURE_FEDERATED_TOKEN_FILE="$T/${f%%:*}.jwt" \
			AZURE_AUTHORITY_HOST="$EMU_AUTHORITY" "$AZKV" token
		is "$rc" 5 "workload identity: ${f%%:*} token file is exit 5"
		is "$out" "" "workload identity: ${f%%:*} token file, no token printed"
		like "$err" "AZURE_FEDERATED_TOKEN_FILE '$T/${f%%:*}.jwt' ${f#*:}" \
			"workload identity: ${f%%:*} token file: ${f#*:}"
	done
	is "$(emu_ctl count authority)" 0 "workload identity: unusable token files send nothing"
	erun AZURE_TENANT_ID="$EMU_TENANT" \
		AZURE_CLIENT_ID=00000000-0000-0000-0000-00000000dead \
		AZURE_FEDERATED_TOKEN_FILE="$EMU_FEDERATED_TOKEN_FILE" \
		AZURE_AUTHORITY_HOST="$EMU_AUTHORITY" "$AZKV" token
	is "$rc" 5 "workload identity: unknown application is exit 5"
	like "$err" "AADSTS700016" "workload identity: Entra's error code shown"
	erun $WI "$AZKV" get t0104
	is "$out" "v-0104" "workload identity: azkv get"
else
	skip_n 21 "emulator has no workload-identity authority yet"
fi

# --- explicit source lists ---------------------------------------------------------------
erun AZKV_IDENTITY_SOURCE="cloudshell imds" "$AZKV" token
is "$rc" 0 "identity.source list: unusable first source skipped"
port=$("$PYTHON3" -c 'import socket
s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
n0=$(emu_ctl count imds)
erun AZKV_IDENTITY_SOURCE="appservice imds" \
	IDENTITY_ENDPOINT="http://127.0.0.1:$port/msi/token" IDENTITY_HEADER=h \
	"$AZKV" -v token
is "$rc" 0 "identity.source list: a failing source hands over to the next"
is "$(emu_ctl count imds)" $((n0 + 1)) "identity.source list: IMDS asked after App Service failed"
like "$err" "identity source appservice failed.*trying imds" "identity.source list: the debug log says so"
erun AZKV_IDENTITY_SOURCE=appservice "$AZKV" token
is "$rc" 5 "identity.source = appservice without its variables: exit 5"
like "$err" "IDENTITY_ENDPOINT" "names what is missing"

done_testing
