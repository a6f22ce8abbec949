#!/bin/sh
# t0302: configuration precedence for the azkv command: system/user file <
# environment < flag, --config/AZKV_CONFIG replace the default files.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

unset AZKV_CONFIG AZKV_IDENTITY AZKV_TIMEOUT AZKV_DEBUG AZKV_TOKEN_CACHE \
	AZKV_IDENTITY_SOURCE AZURE_CLIENT_ID XDG_CONFIG_HOME IDENTITY_ENDPOINT \
	IDENTITY_HEADER IMDS_ENDPOINT MSI_ENDPOINT MSI_SECRET \
	AZURE_FEDERATED_TOKEN_FILE
umask 022
emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
AZKV=$top_builddir/azkv
emu_ctl secret-set cfgtest right >/dev/null
# A second host name for the same emulator that is not on the allow-list:
# a token must never be sent there, so using it fails before any request.
other="https://other.vault.localhost:$EMU_VAULT_PORT"
unset AZKV_VAULT AZKV_ALLOW_VAULT_HOST

get() {	# get ARGS...: sets $rc and $out
	out=$("$AZKV" "$@" get cfgtest 2>"$T/err")
	rc=$?
}

# The user file alone (~/.config/azkv/config).
mkdir -p "$HOME/.config/azkv"
cat >"$HOME/.config/azkv/config" <<EOF2
# written by t0302
[azkv]
	vault = "$EMU_VAULT_URL"   ; quoted
	allow-vault-host = $EMU_VAULT_HOST
[git "https://example.com"]
	secret = unrelated
EOF2
get
is "$rc:$out" "0:right" "user file: vault and allow-vault-host"

# $XDG_CONFIG_HOME moves the user file.
mkdir -p "$T/xdg/azkv"
printf '[azkv]\nvault = %s\n' "$other" >"$T/xdg/azkv/config"
XDG_CONFIG_HOME=$T/xdg; export XDG_CONFIG_HOME
get
is "$rc" 1 "XDG_CONFIG_HOME/azkv/config is read instead"
like "$(cat "$T/err")" "other.vault.localhost" "and names its vault"
unset XDG_CONFIG_HOME

# Environment beats the file.
AZKV_VAULT=$other; export AZKV_VAULT
get
isnt=$rc
like "$(cat "$T/err")" "other.vault.localhost" "AZKV_VAULT beats the user file"
ok "$([ "$isnt" -ne 0 ]; echo $?)" "the untrusted vault fails"

# A flag beats the environment.
get --vault "$EMU_VAULT_URL"
is "$rc:$out" "0:right" "--vault beats AZKV_VAULT"
unset AZKV_VAULT

# --config replaces the default files.
printf '[azkv]\nvault = %s\nallow-vault-host = %s\n' "$other" \
	"$EMU_VAULT_HOST" >"$T/alt.conf"
get --config "$T/alt.conf"
like "$(cat "$T/err")" "other.vault.localhost" "--config replaces the user file"
AZKV_CONFIG=$T/alt.conf; export AZKV_CONFIG
get
like "$(cat "$T/err")" "other.vault.localhost" "AZKV_CONFIG replaces the user file"
get --vault "$EMU_VAULT_URL"
is "$rc:$out" "0:right" "a flag beats AZKV_CONFIG's file"
unset AZKV_CONFIG

# Settings from the file are validated with file and line.
printf '[azkv]\nvault = v\ntimeout = -1\n' >"$T/bad.conf"
get --config "$T/bad.conf"
is "$rc" 2 "invalid value in a file: exit 2"
like "$(cat "$T/err")" "^azkv: $T/bad.conf:3: invalid timeout" \
	"invalid value in a file: file and line"
printf '[azkv]\nvault = v\n[identity]\nsource = telepathy\n' >"$T/bad.conf"
get --config "$T/bad.conf"
is "$rc" 2 "invalid identity source in a file: exit 2"
like "$(cat "$T/err")" "$T/bad.conf:4:" "invalid identity source: line 4"

# A world-writable config file could redirect tokens: refused.
printf '[azkv]\nvault = v\n' >"$T/ww.conf"
chmod 666 "$T/ww.conf"
get --config "$T/ww.conf"
is "$rc" 2 "world-writable config: exit 2"
like "$(cat "$T/err")" "bad owner or permissions" "world-writable config: why"

# [identity] source from the file: an explicit source overrides detection.
printf '[azkv]\nvault = %s\nallow-vault-host = %s\n[identity]\nsource = appservice\n' \
	"$EMU_VAULT_URL" "$EMU_VAULT_HOST" >"$T/src.conf"
get --config "$T/src.conf"
ok "$([ "$rc" -ne 0 ]; echo $?)" "identity.source = appservice without its variables fails"
AZKV_IDENTITY_SOURCE=imds; export AZKV_IDENTITY_SOURCE
get --config "$T/src.conf"
is "$rc:$out" "0:right" "AZKV_IDENTITY_SOURCE beats the file"
unset AZKV_IDENTITY_SOURCE

done_testing
