#!/bin/sh
# t0305: on the production path (namespaces as in t0304), the vault's CA is
# found in the hashed CA directory without reading the bundle, still found
# when only the bundle holds it, and refused when neither does; a warm get
# costs one vault request and no identity request. Needs root.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/prodpath.sh"
command -v openssl >/dev/null 2>&1 || skip_all "openssl is not installed"
[ -d /etc/ssl/certs ] || skip_all "/etc/ssl/certs is missing (install ca-certificates)"
prodpath_setup t0305

cat >"$T/inside.sh" <<'EOF2'
set -u
. "$top_srcdir/tests/integration/prodpath.sh"
prodpath_emulator
ctl secret-set calookup 'found-it' >/dev/null || exit 13
prodpath_hosts
mkdir -p "$T/home"
h=$(openssl x509 -hash -noout -in "$EMU_CA") || exit 15

# Three trust stores: copies of the system's, the test CA added to the
# hashed directory only, to the bundle only, or to neither.
for c in dir bundle none; do
	cp -a /etc/ssl/certs "$T/certs-$c" || exit 16
done
n=0
while [ -e "$T/certs-dir/$h.$n" ]; do n=$((n + 1)); done
cp "$EMU_CA" "$T/certs-dir/$h.$n"
cat "$EMU_CA" >>"$T/certs-bundle/ca-certificates.crt"

get() {	# get STORE NAME: azkv get with that store, results in $T/NAME.*
	mount --bind "$T/certs-$1" /etc/ssl/certs || exit 17
	env -i PATH=/usr/bin:/bin HOME="$T/home" AZKV_DEBUG=1 \
		"$top_builddir/azkv" get --timeout 3 --vault myvault calookup \
		>"$T/$2.out" 2>"$T/$2.err"
	echo $? >"$T/$2.rc"
	umount /etc/ssl/certs
}
get dir dir
ctl clear-log >/dev/null
get dir warm
ctl count vault >"$T/warm.vault"
ctl count imds >"$T/warm.imds"
get bundle bundle
get none none
prodpath_stop
exit 0
EOF2

prodpath_run "$T/inside.sh"
rc=$?
is "$rc" 0 "namespaces set up and the emulator started inside"
if [ "$rc" -ne 0 ]; then
	sed 's/^/#   /' "$T/inside.err" "$T/emulator.err" 2>/dev/null
fi

is "$(cat "$T/dir.rc" 2>/dev/null)/$(cat "$T/dir.out" 2>/dev/null)" "0/found-it" \
	"CA in the hashed directory: the value"
unlike "$(cat "$T/dir.err" 2>/dev/null)" "trying the CA bundle" \
	"CA in the hashed directory: the bundle is not read"
is "$(cat "$T/warm.vault" 2>/dev/null)" 1 "warm get: one vault request"
is "$(cat "$T/warm.imds" 2>/dev/null)" 0 "warm get: no identity request"
is "$(cat "$T/bundle.rc" 2>/dev/null)/$(cat "$T/bundle.out" 2>/dev/null)" \
	"0/found-it" "CA in the bundle only: the value"
like "$(cat "$T/bundle.err" 2>/dev/null)" "no trusted issuer in the CA directory; trying the CA bundle" \
	"CA in the bundle only: found after a look in the bundle"
is "$(cat "$T/none.rc" 2>/dev/null)" 1 "CA nowhere: exit 1"
like "$(cat "$T/none.err" 2>/dev/null)" "^azkv: .*(certificate|issuer)" \
	"CA nowhere: a certificate error"
unlike "$(cat "$T/none.out" 2>/dev/null)" "found-it" "CA nowhere: no value"
[ -s "$T/none.err" ] && grep -v '^azkv: debug' "$T/none.err" | sed 's/^/#   /'
unlike "$(cat /etc/hosts)" "myvault\.vault\.azure\.net" "the host's /etc/hosts is unchanged"

done_testing
