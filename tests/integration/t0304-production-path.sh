#!/bin/sh
# t0304: the production path, unmodified (DESIGN.md section 5): inside a
# private network namespace with 169.254.169.254 on its loopback and a
# private mount namespace whose /etc/hosts maps myvault.vault.azure.net to
# 127.0.0.1 and whose system CA bundle is the test CA, `azkv get --vault
# myvault NAME` runs with no override variable at all. Needs root.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/prodpath.sh"
bundle=/etc/ssl/certs/ca-certificates.crt
[ -f "$bundle" ] || skip_all "$bundle is missing (install ca-certificates)"
prodpath_setup t0304

# Runs inside both namespaces; writes its results into $T.
cat >"$T/inside.sh" <<'EOF2'
set -u
. "$top_srcdir/tests/integration/prodpath.sh"
prodpath_emulator
ctl secret-set prodpath 'from-the-real-path' >/dev/null || exit 13

prodpath_hosts
mount --bind "$EMU_CA" /etc/ssl/certs/ca-certificates.crt || exit 15

mkdir -p "$T/home"
# No AZKV_*, no AZURE_*, no IDENTITY_*: exactly an Azure VM's environment.
env -i PATH=/usr/bin:/bin HOME="$T/home" \
	"$top_builddir/azkv" get --vault myvault prodpath \
	>"$T/get.out" 2>"$T/get.err"
echo $? >"$T/get.rc"
env -i PATH=/usr/bin:/bin HOME="$T/home" \
	"$top_builddir/azkv" doctor --vault myvault \
	>"$T/doctor.out" 2>&1
echo $? >"$T/doctor.rc"
ctl count imds >"$T/imds.count"
ctl log vault >"$T/vault.log"
prodpath_stop
exit 0
EOF2

prodpath_run "$T/inside.sh"
rc=$?
is "$rc" 0 "namespaces set up and the emulator started inside"
if [ "$rc" -ne 0 ]; then
	sed 's/^/#   /' "$T/inside.err" "$T/emulator.err" 2>/dev/null
fi
is "$(cat "$T/get.rc" 2>/dev/null)" 0 "azkv get --vault myvault: exit 0"
is "$(cat "$T/get.out" 2>/dev/null)" "from-the-real-path" \
	"azkv get --vault myvault: the value, with no override at all"
[ -s "$T/get.err" ] && sed 's/^/#   /' "$T/get.err"
ok "$([ "$(cat "$T/imds.count" 2>/dev/null)" -ge 1 ]; echo $?)" \
	"the token came from 169.254.169.254"
like "$(cat "$T/vault.log" 2>/dev/null)" 'myvault\.vault\.azure\.net' \
	"the vault was reached as myvault.vault.azure.net"
is "$(cat "$T/doctor.rc" 2>/dev/null)" 0 "azkv doctor --vault myvault: exit 0"
like "$(cat "$T/doctor.out" 2>/dev/null)" "^ok +vault host: myvault\.vault\.azure\.net is a Key Vault host" \
	"doctor: the vault host is an Azure Key Vault host"
like "$(cat "$T/doctor.out" 2>/dev/null)" "^ok +identity source: imds" \
	"doctor: IMDS is the identity source"
[ -s "$T/doctor.out" ] && sed 's/^/#   /' "$T/doctor.out"
# The host's own files are untouched.
unlike "$(cat /etc/hosts)" "myvault\.vault\.azure\.net" "the host's /etc/hosts is unchanged"

done_testing
