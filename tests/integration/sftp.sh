# sftp.sh: shared set-up for the azkv-sftp integration tests.
# Source after lib.sh:  . "$top_srcdir/tests/integration/sftp.sh"
#
#   sftp_setup [SSHD-CONFIG-LINE...]  emulator + throwaway sshd; stores the
#       client key as vault secret "sshkey", a passphrase-protected copy as
#       "sshkey-enc" (passphrase in "sshkey-pass"); makes $R (remote dir)
#   sftp_up ARGS...     azkv-sftp with the test's known_hosts and port;
#       stdout+stderr in $OUT, exit status in $RC
#   sftp_vault_gets     number of secret reads the emulator has served
#   sftp_sshd_children  PIDs of the per-connection sshd processes
#   sha FILE            sha256 of FILE

. "$top_srcdir/tests/integration/emu.sh"
. "$top_srcdir/tests/integration/sshd.sh"

sftp_setup() {
	emu_start || { echo "Bail out! emulator did not start"; exit 1; }
	emu_env
	if [ "$(id -u)" -eq 0 ]; then
		set -- "PermitRootLogin yes" "$@"
	fi
	sshd_start "$@" || { echo "Bail out! sshd did not start"; exit 1; }
	emu_ctl secret-set sshkey - <"$SSHD_CLIENT_KEY" >/dev/null || exit 1
	cp "$SSHD_CLIENT_KEY" "$T/enc_key"
	ssh-keygen -q -p -P '' -N 'open sesame' -f "$T/enc_key" >/dev/null ||
		exit 1
	emu_ctl secret-set sshkey-enc - <"$T/enc_key" >/dev/null || exit 1
	printf 'open sesame' | emu_ctl secret-set sshkey-pass - >/dev/null ||
		exit 1
	SFTP_USER=$(id -un)
	R=$T/remote
	mkdir -p "$R"
	L=$T/local
	mkdir -p "$L"
	export SFTP_USER R L
}

sftp_up() {
	OUT=$(azkv-sftp --known-hosts "$SSHD_KNOWN_HOSTS" -P "$SSHD_PORT" \
		--no-progress "$@" 2>&1)
	RC=$?
}

sftp_vault_gets() {
	emu_ctl count vault /secrets/
}

sftp_sshd_children() {
	ps -o pid= --ppid "$SSHD_PID" 2>/dev/null
}

sha() {
	sha256sum <"$1" | cut -d' ' -f1
}
