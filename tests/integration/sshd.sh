# sshd.sh: a throwaway OpenSSH sshd on 127.0.0.1 for integration tests.
# Source after lib.sh:  . "$top_srcdir/tests/integration/sshd.sh"
#
#   sshd_user_add NAME [SHELL]   password user in a private passwd/shadow
#                                (root only; call before sshd_start); the
#                                password is read from stdin, never argv
#   sshd_start [CONFIG-LINE...]  generate keys and config, start sshd, wait
#   sshd_stop                    stop it by PID (also done at exit)
#   sshd_can_password            0 when password users are possible here,
#                                else 1 with the reason in $SSHD_SKIP
#
# CONFIG-LINEs ("PasswordAuthentication yes", ...) come first in the
# generated sshd_config, so they win over the defaults (sshd keeps the
# first value it reads). Defaults: ListenAddress 127.0.0.1, a free high
# port, an ed25519 host key, PubkeyAuthentication yes with SSHD_CLIENT_KEY
# authorized for every user, PasswordAuthentication no,
# KbdInteractiveAuthentication no, UsePAM no, StrictModes no,
# Subsystem sftp internal-sftp, PidFile, LogLevel VERBOSE.
#
# With password users (root only), sshd runs in its own mount namespace
# (unshare -m) where a private /etc/passwd, /etc/shadow and /etc/group,
# copies of the real ones plus the test users, are bind-mounted; with
# "UsePAM yes" a minimal private /etc/pam.d/sshd (pam_unix) is mounted
# too. Nothing outside the namespace changes, except that /run/sshd (the
# privilege separation directory Debian creates at boot) is created when
# missing, as root.
#
# After sshd_start: SSHD_PID SSHD_PORT SSHD_DIR SSHD_LOG SSHD_CONFIG
# SSHD_HOST_KEY_PUB SSHD_KNOWN_HOSTS (a known_hosts line for
# [127.0.0.1]:PORT) SSHD_CLIENT_KEY (unencrypted ed25519 private key)
# SSHD_SSH_CONFIG (ssh -F file: Host sshd-test -> 127.0.0.1:PORT, known
# host, no agent, no user config).

SSHD_BIN=/usr/sbin/sshd
SSHD_PID=
SSHD_DIR=
SSHD_USERS=
SSHD_SKIP=

sshd_dir_() {
	if [ -z "$SSHD_DIR" ]; then
		SSHD_DIR=$T/sshd
		mkdir -p "$SSHD_DIR" && chmod 700 "$SSHD_DIR"
	fi
}

# sshd_can_password: 0 when sshd_user_add can work, else 1 ($SSHD_SKIP).
sshd_can_password() {
	if [ ! -x "$SSHD_BIN" ]; then
		SSHD_SKIP="$SSHD_BIN not installed"
	elif [ "$(id -u)" -ne 0 ]; then
		SSHD_SKIP="password users need root (private passwd/shadow in a mount namespace)"
	elif ! command -v unshare >/dev/null 2>&1; then
		SSHD_SKIP="unshare(1) not installed"
	elif ! unshare -m true 2>/dev/null; then
		SSHD_SKIP="cannot create a mount namespace here"
	elif ! command -v openssl >/dev/null 2>&1; then
		SSHD_SKIP="openssl(1) not installed (password hashes)"
	else
		return 0
	fi
	return 1
}

# sshd_user_add NAME [SHELL]: add a password user; password on stdin.
sshd_user_add() {
	sshd_can_password || return 1
	sshd_dir_
	if [ ! -f "$SSHD_DIR/passwd" ]; then
		cp /etc/passwd "$SSHD_DIR/passwd" &&
		cp /etc/shadow "$SSHD_DIR/shadow" &&
		cp /etc/group "$SSHD_DIR/group" &&
		chmod 600 "$SSHD_DIR/shadow" || return 1
	fi
	sshd_uid_=$((4200 + $(printf '%s' "$SSHD_USERS" | wc -w)))
	while grep -q "^[^:]*:[^:]*:$sshd_uid_:" "$SSHD_DIR/passwd" ||
	    grep -q "^[^:]*:[^:]*:$sshd_uid_:" "$SSHD_DIR/group"; do
		sshd_uid_=$((sshd_uid_ + 1))
		[ "$sshd_uid_" -gt 4999 ] && return 1
	done
	sshd_hash_=$(head -n 1 | openssl passwd -6 -stdin) || return 1
	# the home must be reachable by the user: open the path up to it
	chmod 711 "$T" "$SSHD_DIR"
	mkdir -p "$SSHD_DIR/home/$1" && chmod 711 "$SSHD_DIR/home" &&
	chown "$sshd_uid_:$sshd_uid_" "$SSHD_DIR/home/$1" &&
	chmod 700 "$SSHD_DIR/home/$1" || return 1
	printf '%s:x:%s:%s:azkv test user:%s:%s\n' "$1" "$sshd_uid_" \
		"$sshd_uid_" "$SSHD_DIR/home/$1" "${2:-/bin/sh}" \
		>>"$SSHD_DIR/passwd"
	printf '%s:x:%s:\n' "$1" "$sshd_uid_" >>"$SSHD_DIR/group"
	printf '%s:%s:19000:0:99999:7:::\n' "$1" "$sshd_hash_" \
		>>"$SSHD_DIR/shadow"
	SSHD_USERS="$SSHD_USERS $1"
	return 0
}

# A free TCP port on 127.0.0.1 (kernel-chosen, then released).
sshd_free_port_() {
	"${PYTHON3:-python3}" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

sshd_write_config_() {	# sshd_write_config_ PORT CONFIG-LINES...
	sshd_port_=$1
	shift
	{
		for l in "$@"; do printf '%s\n' "$l"; done
		cat <<EOF
ListenAddress 127.0.0.1
Port $sshd_port_
HostKey $SSHD_DIR/host_ed25519
PidFile $SSHD_DIR/sshd.pid
AuthorizedKeysFile $SSHD_DIR/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin no
UseDNS no
MaxAuthTries 6
LoginGraceTime 30
Subsystem sftp internal-sftp
LogLevel VERBOSE
EOF
		# OpenSSH >= 9.8 penalises repeated failed logins from 127.0.0.1
		if "$SSHD_BIN" -t -f "$SSHD_DIR/sshd_config.base" \
		    -o 'PerSourcePenalties no' >/dev/null 2>&1; then
			echo 'PerSourcePenalties no'
		fi
	} >"$SSHD_CONFIG"
}

# sshd_start [CONFIG-LINE...]: start sshd; 0 when it is up.
sshd_start() {
	[ -x "$SSHD_BIN" ] || { SSHD_SKIP="$SSHD_BIN not installed"; return 1; }
	sshd_dir_
	SSHD_CONFIG=$SSHD_DIR/sshd_config
	SSHD_LOG=$SSHD_DIR/sshd.log
	if [ ! -f "$SSHD_DIR/host_ed25519" ]; then
		ssh-keygen -q -t ed25519 -N '' -C azkv-test-host \
			-f "$SSHD_DIR/host_ed25519" &&
		ssh-keygen -q -t ed25519 -N '' -C azkv-test-client \
			-f "$SSHD_DIR/client_ed25519" || return 1
		cp "$SSHD_DIR/client_ed25519.pub" "$SSHD_DIR/authorized_keys"
		chmod 644 "$SSHD_DIR/authorized_keys"
	fi
	SSHD_CLIENT_KEY=$SSHD_DIR/client_ed25519
	SSHD_HOST_KEY_PUB=$SSHD_DIR/host_ed25519.pub
	# a config for the -t probe of optional settings
	printf 'HostKey %s\n' "$SSHD_DIR/host_ed25519" \
		>"$SSHD_DIR/sshd_config.base"
	[ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ] && mkdir -p -m 755 /run/sshd
	sshd_pam_=no
	for l in "$@"; do
		case $l in
		[Uu]se[Pp][Aa][Mm]\ [Yy]es) sshd_pam_=yes ;;
		esac
	done
	if [ "$sshd_pam_" = yes ]; then
		cat >"$SSHD_DIR/pam-sshd" <<'EOF'
auth	required	pam_unix.so
account	required	pam_unix.so
session	required	pam_permit.so
password	required	pam_deny.so
EOF
	fi
	sshd_try_=0
	while [ "$sshd_try_" -lt 5 ]; do
		sshd_try_=$((sshd_try_ + 1))
		SSHD_PORT=$(sshd_free_port_) || return 1
		sshd_write_config_ "$SSHD_PORT" "$@"
		if ! "$SSHD_BIN" -t -f "$SSHD_CONFIG" 2>"$SSHD_LOG"; then
			diag "sshd -t rejected the config:"
			sed 's/^/#   /' "$SSHD_LOG"
			return 1
		fi
		rm -f "$SSHD_DIR/sshd.pid"
		if [ -n "$SSHD_USERS" ]; then
			SSHD_DIR="$SSHD_DIR" SSHD_BIN="$SSHD_BIN" \
			SSHD_PAM="$sshd_pam_" SSHD_CONFIG="$SSHD_CONFIG" \
			unshare -m --propagation private sh -c '
				mount --bind "$SSHD_DIR/passwd" /etc/passwd &&
				mount --bind "$SSHD_DIR/shadow" /etc/shadow &&
				mount --bind "$SSHD_DIR/group" /etc/group || exit 1
				if [ "$SSHD_PAM" = yes ]; then
					mount --bind "$SSHD_DIR/pam-sshd" \
					    /etc/pam.d/sshd || exit 1
				fi
				exec "$SSHD_BIN" -D -e -f "$SSHD_CONFIG"' \
				>>"$SSHD_LOG" 2>&1 &
		else
			"$SSHD_BIN" -D -e -f "$SSHD_CONFIG" >>"$SSHD_LOG" 2>&1 &
		fi
		SSHD_PID=$!
		track_pid "$SSHD_PID"
		# ready once the PidFile is written, which sshd does after listen
		sshd_i_=0
		while [ ! -s "$SSHD_DIR/sshd.pid" ] &&
		    kill -0 "$SSHD_PID" 2>/dev/null; do
			sshd_i_=$((sshd_i_ + 1))
			[ "$sshd_i_" -gt 100 ] && break
			sleep 0.1
		done
		if [ -s "$SSHD_DIR/sshd.pid" ]; then
			[ "$(cat "$SSHD_DIR/sshd.pid")" = "$SSHD_PID" ] ||
				diag "sshd PidFile differs from \$! ($SSHD_PID)"
			break
		fi
		sshd_stop
		# a port lost to a race: try another; anything else is fatal
		grep -q 'Address already in use' "$SSHD_LOG" || {
			diag "sshd did not start:"
			sed 's/^/#   /' "$SSHD_LOG"
			return 1
		}
	done
	[ -n "$SSHD_PID" ] || return 1
	at_exit sshd_stop
	SSHD_KNOWN_HOSTS=$SSHD_DIR/known_hosts
	printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" \
		"$(cut -d' ' -f1,2 "$SSHD_HOST_KEY_PUB")" >"$SSHD_KNOWN_HOSTS"
	SSHD_SSH_CONFIG=$SSHD_DIR/ssh_config
	cat >"$SSHD_SSH_CONFIG" <<EOF
Host sshd-test
	HostName 127.0.0.1
	Port $SSHD_PORT
	UserKnownHostsFile $SSHD_KNOWN_HOSTS
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	IdentityAgent none
	IdentitiesOnly yes
	IdentityFile $SSHD_CLIENT_KEY
	BatchMode no
	ConnectTimeout 10
	ServerAliveInterval 5
	ServerAliveCountMax 3
EOF
	export SSHD_PID SSHD_PORT SSHD_DIR SSHD_LOG SSHD_CONFIG \
		SSHD_HOST_KEY_PUB SSHD_KNOWN_HOSTS SSHD_CLIENT_KEY \
		SSHD_SSH_CONFIG
	return 0
}

# sshd_stop: stop sshd by PID (also run at exit).
sshd_stop() {
	if [ -n "$SSHD_PID" ]; then
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
		SSHD_PID=
	fi
}
