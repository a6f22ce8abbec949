#!/bin/sh
# azkv-sftp: a 100 MiB file arrives byte-identical (once: slow on 2 cores),
# with the progress bar forced on.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/sftp.sh"
[ -x /usr/sbin/sshd ] || skip_all "/usr/sbin/sshd not installed"
sftp_setup
head -c $((100 * 1024 * 1024)) /dev/urandom >"$L/large"
OUT=$(azkv-sftp --known-hosts "$SSHD_KNOWN_HOSTS" -P "$SSHD_PORT" \
	--progress --key-secret sshkey "$L/large" "$SFTP_USER@127.0.0.1:$R/" 2>&1)
is "$?" 0 "100 MiB: exit 0"
is "$(sha "$R/large")" "$(sha "$L/large")" "100 MiB: same sha256"
like "$OUT" "100%.*100.0 MiB" "progress bar reaches 100%"
like "$OUT" "large -> $R/large: 100.0 MiB" "summary line"
done_testing
