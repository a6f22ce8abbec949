#!/bin/sh
# t0303: azkv doctor: all ok against the emulator; FAIL lines with a fix
# hint and a non-zero exit when the identity or the permission is missing.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

unset AZKV_CONFIG AZKV_IDENTITY AZKV_TIMEOUT AZKV_DEBUG AZKV_TOKEN_CACHE \
	AZKV_IDENTITY_SOURCE AZURE_CLIENT_ID XDG_CONFIG_HOME IDENTITY_ENDPOINT \
	IDENTITY_HEADER IMDS_ENDPOINT MSI_ENDPOINT MSI_SECRET \
	AZURE_FEDERATED_TOKEN_FILE
emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
AZKV=$top_builddir/azkv

doctor() {	# doctor ARGS...: sets $rc and $out (stdout and stderr)
	out=$("$AZKV" doctor "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/#   /'
}

doctor
is "$rc" 0 "all checks pass: exit 0"
like "$out" "^ok +configuration: files read: none" "ok configuration line"
like "$out" "/etc/azkv/config" "configuration names the system file"
like "$out" "^ok +identity source: imds" "ok identity source: imds"
like "$out" "^ok +token: obtained" "ok token line"
like "$out" "object-id=$EMU_SYSTEM_OBJECT_ID" "token: object id shown"
like "$out" "audience=https://vault.azure.net" "token: audience shown"
like "$out" "expires=20[0-9][0-9]-" "token: expiry shown"
like "$out" "^ok +vault host: myvault.vault.localhost" "ok vault host"
like "$out" "^ok +vault access: get is permitted" "ok vault access (probe 404)"
unlike "$out" "FAIL" "no FAIL line"
tok=$("$AZKV" token)
if printf '%s\n' "$out" | grep -qF "$tok"; then ok 1 "the token is never printed"
else ok 0 "the token is never printed"; fi

emu_ctl secret-set doctor-secret 'hunter2-doctor' >/dev/null
doctor --secret doctor-secret
is "$rc" 0 "--secret that exists: exit 0"
like "$out" "^ok +vault access: read secret 'doctor-secret'" "reads it"
unlike "$out" "hunter2-doctor" "the value is never printed"

doctor --secret missing-secret
ok "$([ "$rc" -ne 0 ]; echo $?)" "--secret that is missing: non-zero exit"
like "$out" "^FAIL +vault access" "missing secret: FAIL line"
like "$out" "fix: " "missing secret: with a hint"

emu_ctl perms system none
doctor
is "$rc" 4 "no permission: exit 4"
like "$out" "^FAIL +vault access" "no permission: FAIL line"
like "$out" "Key Vault Secrets User" "no permission: hint names the role"
emu_ctl perms system all

# An identity the endpoint does not know.
doctor --identity 00000000-0000-0000-0000-000000000000 --no-cache
is "$rc" 5 "unknown identity: exit 5"
like "$out" "^FAIL +token" "unknown identity: FAIL token line"
like "$out" "fix: " "unknown identity: with a hint"

# No identity endpoint at all: a port nobody listens on.
python_port=$("$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:$python_port
export AZURE_POD_IDENTITY_AUTHORITY_HOST
doctor --timeout 5 --no-cache
ok "$([ "$rc" -ne 0 ]; echo $?)" "no identity endpoint: non-zero exit"
like "$out" "^FAIL +token" "no identity endpoint: FAIL token line"
like "$out" "fix: .*(managed identity|identity endpoint)" "no identity endpoint: hint"
like "$out" "not checked without a token" "vault check skipped"
AZURE_POD_IDENTITY_AUTHORITY_HOST=$EMU_IMDS

# No vault configured.
(unset AZKV_VAULT; "$AZKV" doctor >"$T/out" 2>&1; echo $? >"$T/rc")
ok "$([ "$(cat "$T/rc")" -ne 0 ]; echo $?)" "no vault: non-zero exit"
like "$(cat "$T/out")" "^FAIL +vault: no vault configured" "no vault: FAIL line"

# A disabled secret: reading is permitted, the secret is not usable.
emu_ctl secret-set doctor-off 'off-value' --enabled false >/dev/null
doctor --secret doctor-off
is "$rc" 0 "disabled secret: exit 0 (access works)"
like "$out" "^warn +vault access: .*disabled" "disabled secret: warn line"
like "$out" "fix: .*enable it or set a new version" "disabled secret: hint"
unlike "$out" "off-value" "disabled secret: the value is never printed"

# Vault URLs that may never receive a token: no request is made to them.
emu_ctl clear-log >/dev/null
doctor --vault http://myvault.vault.azure.net
is "$rc" 1 "http:// vault: exit 1"
like "$out" "^FAIL +vault host: 'http://myvault.vault.azure.net' is not https" \
	"http:// vault: FAIL line"
like "$out" "fix: Key Vault is only reached over https" "http:// vault: hint"
doctor --vault https://example.com
is "$rc" 1 "a host that is not Key Vault's: exit 1"
like "$out" "^FAIL +vault host: 'example.com' is not a Key Vault host; no token will be sent" \
	"a host that is not Key Vault's: FAIL line"
like "$out" "fix: .*AZKV_ALLOW_VAULT_HOST" "a host that is not Key Vault's: hint"
is "$(emu_ctl count vault)" 0 "refused vault hosts: no vault request"

# The vault's challenge names another resource: the token is withheld.
emu_ctl fault vault 'challenge:when=any' >/dev/null
doctor --no-cache
is "$rc" 1 "foreign challenge: exit 1"
like "$out" "^FAIL +vault access: .*management.azure.com" "foreign challenge: FAIL line names the resource"
like "$out" "fix: the vault's challenge named another resource" "foreign challenge: hint"
emu_ctl fault vault clear >/dev/null

# A configuration error is reported as a FAIL line.
printf '[azkv\n' >"$T/bad.conf"
doctor --config "$T/bad.conf"
is "$rc" 2 "bad config: exit 2"
like "$out" "^FAIL +configuration: $T/bad.conf:1:" "bad config: FAIL with file:line"

done_testing
