#!/bin/sh
# SSLKEYLOGFILE must not make libcurl write TLS session keys (which would let
# a packet capture reveal the secret) from any azkv program.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"
emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
emu_ctl secret-set keylog 'keylog-secret-value' >/dev/null

out=$(SSLKEYLOGFILE=$T/keys.txt azkv get keylog)
is "$out" "keylog-secret-value" "azkv get works with SSLKEYLOGFILE set"
test ! -e "$T/keys.txt"
ok $? "azkv get wrote no TLS key log"

printf 'protocol=https\nhost=example.com\n\n' >"$T/in"
SSLKEYLOGFILE=$T/keys-git.txt git-credential-azkv --secret keylog get \
	<"$T/in" >"$T/git.out"
like "$(cat "$T/git.out")" '^password=keylog-secret-value$' \
	"git-credential-azkv answers with SSLKEYLOGFILE set"
test ! -e "$T/keys-git.txt"
ok $? "git-credential-azkv wrote no TLS key log"

# The curl command line tool, same libcurl: proves the variable is live here.
SSLKEYLOGFILE=$T/keys-curl.txt curl -s --cacert "$EMU_CA" \
	"$EMU_VAULT_URL/" >/dev/null 2>&1
if [ -s "$T/keys-curl.txt" ]; then
	ok 0 "control: libcurl honours SSLKEYLOGFILE on this machine"
else
	skip "this libcurl does not honour SSLKEYLOGFILE"
fi
done_testing
