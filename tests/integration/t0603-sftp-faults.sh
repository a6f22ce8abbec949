#!/bin/sh
# azkv-sftp faults: sshd killed mid-upload, SIGTERM mid-upload, a full
# remote disk (tmpfs in a mount namespace), a server that never answers.
# Never a partial file under the final name; never a hang.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/sftp.sh"
[ -x /usr/sbin/sshd ] || skip_all "/usr/sbin/sshd not installed"
sftp_setup
dst="$SFTP_USER@127.0.0.1:$R"

descendants() {	# descendants PID: all processes below PID
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}
wait_gone() {	# wait_gone PID TENTHS: 0 once PID has exited
	w=0
	while kill -0 "$1" 2>/dev/null; do
		w=$((w + 1))
		[ "$w" -gt "$2" ] && return 1
		sleep 0.1
	done
	return 0
}
wait_part() {	# wait_part DIR: until a temporary upload file appears
	w=0
	until ls -a "$1" 2>/dev/null | grep -q 'azkv-.*\.part$'; do
		w=$((w + 1))
		[ "$w" -gt 600 ] && return 1
		sleep 0.05
	done
	return 0
}
bg_upload() {	# bg_upload ARGS...: azkv-sftp in the background, PID in $UP
	azkv-sftp --known-hosts "$SSHD_KNOWN_HOSTS" -P "$SSHD_PORT" \
		--no-progress --key-secret sshkey "$@" >"$T/up.out" 2>&1 &
	UP=$!
	track_pid "$UP"
}

# a big sparse file: cheap to make, slow enough to interrupt
truncate -s 1G "$L/big"

# --- sshd killed mid-upload
bg_upload "$L/big" "$dst/"
wait_part "$R"
ok $? "(the temporary file appeared)"
for p in $(descendants "$SSHD_PID") "$SSHD_PID"; do kill -9 "$p" 2>/dev/null; done
wait_gone "$UP" 600
ok $? "sshd killed: azkv-sftp does not hang"
wait "$UP"
rc=$?
ok "$([ "$rc" -ne 0 ]; echo $?)" "sshd killed: non-zero exit ($rc)"
ok "$([ ! -e "$R/big" ]; echo $?)" "sshd killed: no file under the final name"
like "$(cat "$T/up.out")" "big" "sshd killed: the message names the file"
rm -f "$R"/.big.azkv-*.part
SSHD_PID=
sshd_start "PermitRootLogin yes" || { echo "Bail out! sshd restart"; exit 1; }
dst="$SFTP_USER@127.0.0.1:$R"

# --- SIGTERM mid-upload: the temporary file is removed
bg_upload "$L/big" "$dst/"
wait_part "$R"
ok $? "(the temporary file appeared again)"
kill -TERM "$UP"
wait_gone "$UP" 600
ok $? "SIGTERM: azkv-sftp exits"
wait "$UP"
is "$?" 143 "SIGTERM: killed by the signal after cleaning up"
ok "$([ ! -e "$R/big" ]; echo $?)" "SIGTERM: no file under the final name"
is "$(ls -a "$R" | grep -c 'azkv-')" 0 "SIGTERM: temporary file removed"

# --- --resume keeps the part file on failure
bg_upload --resume "$L/big" "$dst/"
wait_part "$R"
kill -TERM "$UP"
wait_gone "$UP" 600
wait "$UP"
ok "$([ -e "$R/.big.azkv-resume.part" ]; echo $?)" "--resume: part file kept after SIGTERM"
rm -f "$R/big" "$R/.big.azkv-resume.part"

# --- the server freezes mid-upload (SIGSTOP): --timeout ends the wait
bg_upload --timeout 2 "$L/big" "$dst/"
wait_part "$R"
frozen=$(descendants "$SSHD_PID")
for p in $frozen; do kill -STOP "$p"; done
wait_gone "$UP" 600
ok $? "frozen server: azkv-sftp gives up"
wait "$UP"
is "$?" 1 "frozen server: exit 1"
like "$(cat "$T/up.out")" "timed out" "frozen server: says it timed out"
ok "$([ ! -e "$R/big" ]; echo $?)" "frozen server: no file under the final name"
for p in $frozen; do kill -KILL "$p"; kill -CONT "$p"; done 2>/dev/null
rm -f "$R"/.big.azkv-*.part

# --- a server that accepts TCP but never speaks: bounded by --timeout
"$PYTHON3" -c 'import socket, time, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5)
print(s.getsockname()[1]); sys.stdout.flush(); time.sleep(30)' >"$T/mute.port" &
mute=$!
track_pid "$mute"
wait_for_file "$T/mute.port"
OUT=$(azkv-sftp --timeout 2 --known-hosts "$SSHD_KNOWN_HOSTS" \
	-P "$(cat "$T/mute.port")" --key-secret sshkey "$L/big" \
	"$SFTP_USER@127.0.0.1:$R/" 2>&1)
is "$?" 1 "silent server: exit 1 after --timeout"
like "$OUT" "timed out" "silent server: says it timed out"
kill "$mute"

# --- nothing listening
OUT=$(azkv-sftp --known-hosts "$SSHD_KNOWN_HOSTS" -P "$(cat "$T/mute.port")" \
	--key-secret sshkey "$L/big" "$SFTP_USER@127.0.0.1:$R/" 2>&1)
is "$?" 1 "connection refused: exit 1"
like "$OUT" "cannot connect" "connection refused: says so"

# --- the server refuses extra connections: fewer streams, same result
sshd_stop
sshd_start "PermitRootLogin yes" "MaxStartups 1" ||
	{ echo "Bail out! sshd restart"; exit 1; }
head -c $((20 * 1024 * 1024)) /dev/urandom >"$L/mid"
sftp_up --streams 3 --key-secret sshkey "$L/mid" "$SFTP_USER@127.0.0.1:$R/"
is "$RC" 0 "extra stream connections refused: exit 0"
like "$OUT" "continuing with 1 stream" "extra stream connections refused: says so"
is "$(sha "$R/mid")" "$(sha "$L/mid")" "extra stream connections refused: same sha256"

# --- full remote disk: a 2 MiB tmpfs visible only to a second sshd
if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
	skip "full disk: needs root and mount namespaces"
else
	mkdir -p "$T/small"
	sshd_stop
	rm -f "$SSHD_DIR/sshd.pid"
	SSHD_CONFIG="$SSHD_CONFIG" T="$T" unshare -m --propagation private sh -c '
		mount -t tmpfs -o size=2m tmpfs "$T/small" || exit 1
		exec /usr/sbin/sshd -D -e -f "$SSHD_CONFIG"' >>"$SSHD_LOG" 2>&1 &
	SSHD_PID=$!
	track_pid "$SSHD_PID"
	wait_for_file "$SSHD_DIR/sshd.pid" || diag "sshd in a namespace did not start"
	head -c 5000000 /dev/urandom >"$L/five"
	sftp_up --key-secret sshkey "$L/five" "$SFTP_USER@127.0.0.1:$T/small/"
	is "$RC" 1 "full disk: exit 1"
	like "$OUT" "no space left" "full disk: says the disk is full"
	like "$OUT" "five" "full disk: names the file"
	is "$(nsenter -t "$SSHD_PID" -m ls -a "$T/small" | grep -vc '^\.\.\?$')" 0 \
		"full disk: no final file, temporary file removed"
	head -c 100000 /dev/urandom >"$L/small1"
	sftp_up --key-secret sshkey "$L/small1" "$SFTP_USER@127.0.0.1:$T/small/"
	is "$RC" 0 "after the failure the space is free again"
	is "$(nsenter -t "$SSHD_PID" -m sha256sum <"$L/small1" | cut -d' ' -f1)" \
		"$(nsenter -t "$SSHD_PID" -m sh -c "sha256sum <'$T/small/small1'" | cut -d' ' -f1)" \
		"small file after the failure: same sha256"
	sshd_stop
fi

done_testing
