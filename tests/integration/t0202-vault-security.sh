#!/bin/sh
# t0202: a bearer token only goes to a trusted vault host for a Key Vault
# resource: foreign challenges, hosts outside the allow-list, http:// URLs,
# lookalike hosts, tampered challenge caches, TLS failures; -v stays clean.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

unset AZKV_CONFIG AZKV_IDENTITY AZKV_TIMEOUT AZKV_DEBUG AZKV_TOKEN_CACHE \
	AZKV_IDENTITY_SOURCE AZKV_API_VERSION AZURE_CLIENT_ID XDG_CONFIG_HOME \
	IDENTITY_ENDPOINT IDENTITY_HEADER IMDS_ENDPOINT MSI_ENDPOINT MSI_SECRET \
	AZURE_FEDERATED_TOKEN_FILE
emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
AZKV=$top_builddir/azkv
emu_ctl secret-set ftpadmin 'Sup3r-S3cret-Value' >/dev/null

# Number of vault requests that carried any Authorization header.
authed() {
	emu_ctl log vault | "$PYTHON3" -c '
import json, sys
n = 0
for line in sys.stdin:
    e = json.loads(line)
    h = {k.lower() for k in (e.get("headers") or {})}
    if e.get("authorization") is not None or "authorization" in h:
        n += 1
print(n)'
}
# Token requests to IMDS for a resource other than Key Vault's.
foreign_tokens() {
	emu_ctl log imds | grep -c 'management' || true
}
# fresh: forget every cached token and challenge (a new cache dir)
fresh() {
	n=${n:-0}
	n=$((n + 1))
	XDG_RUNTIME_DIR=$T/run$n
	mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
	export XDG_RUNTIME_DIR
	emu_ctl clear-log
}

# ---- a challenge naming another resource, cold ----
fresh
emu_ctl fault vault challenge
"$AZKV" get ftpadmin >"$T/out" 2>"$T/err"
is "$?" 1 "foreign challenge (cold): exit 1"
like "$(cat "$T/err")" "challenge names resource 'https://management.azure.com', which does not belong to host 'myvault.vault.localhost'; no token was sent" \
	"foreign challenge (cold): message"
is "$(emu_ctl count vault)" 1 "foreign challenge (cold): only the bodyless probe"
is "$(authed)" 0 "foreign challenge (cold): no request carried Authorization"
is "$(emu_ctl count imds)" 0 "foreign challenge (cold): no token requested at all"
is "$(cat "$T/out")" "" "foreign challenge (cold): nothing on stdout"

# also for set: the probe has no body, and nothing else is sent
fresh
emu_ctl fault vault challenge
printf %s 'Never-Sent-Value' | "$AZKV" set leak 2>"$T/err"
is "$?" 1 "foreign challenge (set): exit 1"
is "$(authed)" 0 "foreign challenge (set): no Authorization"
unlike "$(emu_ctl log vault)" "Never-Sent-Value" "foreign challenge (set): the value never left"

# ---- the same after a good token is cached: the vault changes its mind ----
fresh
"$AZKV" get ftpadmin >/dev/null
emu_ctl clear-log
emu_ctl fault vault 'challenge:when=any'
"$AZKV" get ftpadmin >"$T/out" 2>"$T/err"
is "$?" 1 "foreign challenge (warm): exit 1"
like "$(cat "$T/err")" "management.azure.com.*no token was sent" \
	"foreign challenge (warm): message"
is "$(foreign_tokens)" 0 "foreign challenge (warm): no token for the other resource"
is "$(emu_ctl log vault | grep -c '"token_aud": *"https://vault.azure.net"')" \
	"$(authed)" "foreign challenge (warm): only Key Vault tokens were presented"
emu_ctl fault vault clear

# ---- a tampered challenge cache cannot redirect the token ----
fresh
"$AZKV" get ftpadmin >/dev/null
ch=$(ls "$XDG_RUNTIME_DIR"/azkv/vault-*.challenge)
printf '{"host":"myvault.vault.localhost","resource":"https://management.azure.com"}' >"$ch"
emu_ctl clear-log
is "$("$AZKV" get ftpadmin 2>/dev/null)" "Sup3r-S3cret-Value" \
	"tampered challenge cache: ignored, still works"
is "$(foreign_tokens)" 0 "tampered challenge cache: no token for its resource"

# ---- hosts outside the allow-list: no request at all ----
fresh
(unset AZKV_ALLOW_VAULT_HOST; "$AZKV" get ftpadmin >"$T/out" 2>"$T/err"; echo $? >"$T/rc")
is "$(cat "$T/rc")" 1 "host not allow-listed: exit 1"
like "$(cat "$T/err")" "'myvault.vault.localhost' is not a Key Vault host .*AZKV_ALLOW_VAULT_HOST" \
	"host not allow-listed: message names the setting"
is "$(emu_ctl count vault)" 0 "host not allow-listed: no request"
is "$(emu_ctl count imds)" 0 "host not allow-listed: no token requested"
(AZKV_ALLOW_VAULT_HOST=other.vault.localhost; export AZKV_ALLOW_VAULT_HOST
 "$AZKV" get ftpadmin >/dev/null 2>&1; echo $? >"$T/rc")
is "$(cat "$T/rc")" 1 "another host allow-listed: exit 1"
(AZKV_ALLOW_VAULT_HOST=vault.localhost; export AZKV_ALLOW_VAULT_HOST
 "$AZKV" get ftpadmin >/dev/null 2>&1; echo $? >"$T/rc")
is "$(cat "$T/rc")" 1 "a parent domain allow-listed: exit 1"
is "$(emu_ctl count vault)" 0 "other hosts allow-listed: no request"

# lookalike hosts (would resolve nowhere, but must be refused before that)
for u in https://evilvault.azure.net https://myvault.vault.azure.net.evil.localhost \
	https://a.b.vault.azure.net; do
	"$AZKV" --vault "$u" get ftpadmin >/dev/null 2>"$T/err"
	is "$?" 1 "lookalike $u: exit 1"
	like "$(cat "$T/err")" "not a Key Vault host" "lookalike $u: refused"
done
is "$(emu_ctl count imds)" 0 "lookalike hosts: no token requested"

# ---- http:// and userinfo: usage errors, nothing sent ----
http_url=$(printf %s "$EMU_VAULT_URL" | sed 's/^https:/http:/')
"$AZKV" --vault "$http_url" get ftpadmin >/dev/null 2>"$T/err"
is "$?" 2 "http:// vault URL: exit 2"
like "$(cat "$T/err")" "only https:// is allowed" "http:// vault URL: message"
"$AZKV" get "$http_url/secrets/ftpadmin" >/dev/null 2>"$T/err"
is "$?" 2 "http:// secret URL: exit 2"
user_url=$(printf %s "$EMU_VAULT_URL" | sed 's|^https://|https://user:pw@|')
"$AZKV" --vault "$user_url" get ftpadmin >/dev/null 2>"$T/err"
is "$?" 2 "user:password@ in the vault URL: exit 2"
unlike "$(cat "$T/err")" "pw@" "user:password@: not echoed"
"$AZKV" get "$EMU_VAULT_URL/secrets/ftpadmin?x=1" >/dev/null 2>"$T/err"
is "$?" 2 "query in a secret URL: exit 2"
is "$(emu_ctl count vault)" 0 "http:// and odd URLs: no request"
is "$(emu_ctl count imds)" 0 "http:// and odd URLs: no token requested"

# ---- TLS: a certificate for another name gets no token ----
if [ -n "$EMU_VAULT_WRONGNAME_URL" ]; then
	fresh
	"$AZKV" -v --timeout 60 --vault "$EMU_VAULT_WRONGNAME_URL" get ftpadmin \
		>/dev/null 2>"$T/err"
	is "$?" 1 "certificate for another name: exit 1"
	is "$(authed)" 0 "certificate for another name: no Authorization sent"
	like "$(cat "$T/err")" "cannot verify the TLS certificate of" \
		"certificate for another name: says so"
	# A certificate error is not transient: no retries.
	unlike "$(cat "$T/err")" "retrying" \
		"certificate for another name: not retried"
else
	for i in 1 2 3 4; do
		skip "the emulator has no wrong-name TLS port yet"
	done
fi

# ---- -v: requests are logged, the token and the value never ----
fresh
printf %s 'Verbose-Secret-42' | "$AZKV" -v set verbose 2>"$T/verr"
"$AZKV" -v get verbose >"$T/out" 2>>"$T/verr"
AZKV_DEBUG=1 "$AZKV" get verbose >/dev/null 2>>"$T/verr"
is "$(cat "$T/out")" "Verbose-Secret-42" "-v: value on stdout"
like "$(cat "$T/verr")" "debug: .*challenge" "-v: the challenge flow is logged"
unlike "$(cat "$T/verr")" "Verbose-Secret-42" "-v: the value is not on stderr"
tok=$(emu_ctl log vault | "$PYTHON3" -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    for k, v in (e.get("headers") or {}).items():
        if k.lower() == "authorization":
            print(v.split()[-1]); sys.exit(0)')
ok "$([ -n "$tok" ] && echo 0 || echo 1)" "-v: found the token the vault saw"
if [ -n "$tok" ] && grep -qF "$tok" "$T/verr"; then
	ok 1 "-v: the token is not on stderr"
else
	ok 0 "-v: the token is not on stderr"
fi
sig=${tok##*.}
if [ -n "$sig" ] && grep -qF "$sig" "$T/verr"; then
	ok 1 "-v: no part of the token's signature on stderr"
else
	ok 0 "-v: no part of the token's signature on stderr"
fi

done_testing
