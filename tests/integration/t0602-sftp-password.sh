#!/bin/sh
# azkv-sftp password and keyboard-interactive logins with the password
# from the vault; a wrong password is tried exactly once (exit 4).
# Needs root: the test user lives in a private passwd/shadow (sshd.sh).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/sftp.sh"
[ -x /usr/sbin/sshd ] || skip_all "/usr/sbin/sshd not installed"
sshd_can_password || skip_all "$SSHD_SKIP"
# not in a pipeline: sshd_user_add must run in this shell
sshd_user_add sftpuser <<EOF || skip_all "cannot add a test user"
correct horse battery
EOF
sftp_setup "PasswordAuthentication yes" "KbdInteractiveAuthentication no"
home=$SSHD_DIR/home/sftpuser
emu_ctl secret-set ftppw 'correct horse battery' >/dev/null
emu_ctl secret-set wrongpw 'incorrect horse' >/dev/null
emu_ctl secret-set ftpjson '{"username":"sftpuser","password":"correct horse battery"}' >/dev/null
printf 'payload\n' >"$L/p.txt"

sftp_up -v --secret ftppw "$L/p.txt" "sftpuser@127.0.0.1:"
is "$RC" 0 "password login: exit 0"
is "$(cat "$home/p.txt" 2>/dev/null)" payload "password login: uploaded to the login directory"
like "$OUT" "server offers: .*password" "the server offered password"
unlike "$OUT" "correct horse" "the password is not printed"
is "$(grep -c 'Accepted password for sftpuser' "$SSHD_LOG")" 1 "sshd logged the password login"

sftp_up --secret ftpjson "$L/p.txt" "127.0.0.1:json.txt"
is "$RC" 0 "user name from a JSON secret: exit 0"
is "$(cat "$home/json.txt" 2>/dev/null)" payload "JSON secret: uploaded"

sftp_up --secret wrongpw "$L/p.txt" "sftpuser@127.0.0.1:wrong.txt"
is "$RC" 4 "wrong password: exit 4"
like "$OUT" "refused" "wrong password: says the login was refused"
is "$(grep -c 'Failed password for sftpuser' "$SSHD_LOG")" 1 "wrong password: exactly one attempt"
ok "$([ ! -e "$home/wrong.txt" ]; echo $?)" "wrong password: nothing uploaded"

sftp_up --secret ftppw "$L/p.txt" "sftpuser@127.0.0.1:/root/denied.txt"
is "$RC" 1 "permission denied on the server: exit 1"
like "$OUT" "permission denied" "permission denied: SFTP status named"
like "$OUT" "cannot upload $L/p.txt" "permission denied: the local file named"

emu_ctl secret-delete ftppw >/dev/null
sftp_up --secret ftppw "$L/p.txt" "sftpuser@127.0.0.1:gone.txt"
is "$RC" 3 "deleted password secret: exit 3"

# keyboard-interactive through PAM (Debian's default for passwords)
sshd_stop
sshd_start "UsePAM yes" "KbdInteractiveAuthentication yes" \
	"PasswordAuthentication no" || { echo "Bail out! sshd (PAM)"; exit 1; }
sftp_up -v --secret ftpjson "$L/p.txt" "127.0.0.1:kbd.txt"
is "$RC" 0 "keyboard-interactive login: exit 0"
like "$OUT" "server offers: .*keyboard-interactive" "kbd-int: offered"
is "$(cat "$home/kbd.txt" 2>/dev/null)" payload "kbd-int: uploaded"
sftp_up --secret wrongpw "$L/p.txt" "sftpuser@127.0.0.1:kbdwrong.txt"
is "$RC" 4 "kbd-int, wrong password: exit 4"
is "$(grep -c 'Failed keyboard-interactive/pam for sftpuser' "$SSHD_LOG")" 1 \
	"kbd-int, wrong password: exactly one attempt"

done_testing
