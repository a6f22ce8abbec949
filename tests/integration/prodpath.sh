# prodpath.sh: the production-path set-up of DESIGN.md section 5, shared by
# the tests that run azkv with no override at all. Source after lib.sh.
#
#   prodpath_setup NAME       skip unless root with ip/unshare/mount; make the
#                             network namespace (removed at exit)
#   prodpath_run SCRIPT       run SCRIPT (sh) inside it and a private mount
#                             namespace; SCRIPT sources this file again and
#                             calls the inside helpers below
# Inside:
#   prodpath_emulator         emulator on 169.254.169.254:80 (IMDS) and
#                             127.0.0.1:443 (vault), EMU_* exported, ctl()
#   prodpath_hosts            bind a /etc/hosts naming myvault.vault.azure.net
#   prodpath_stop             stop the emulator

prodpath_setup() {
	[ "$(id -u)" -eq 0 ] ||
		skip_all "needs root (network and mount namespaces)"
	for tool in ip unshare mount; do
		command -v "$tool" >/dev/null 2>&1 ||
			skip_all "$tool is not installed"
	done
	[ -f /etc/hosts ] || skip_all "/etc/hosts is missing"
	prodpath_ns=azkv-$1-$$
	ip netns add "$prodpath_ns" 2>"$T/netns.err" || skip_all \
		"cannot create a network namespace: $(head -n 1 "$T/netns.err")"
	at_exit prodpath_cleanup
}

prodpath_cleanup() {
	if [ -s "$T/emu.pid" ]; then
		kill "$(cat "$T/emu.pid")" 2>/dev/null
	fi
	ip netns delete "$prodpath_ns" 2>/dev/null
}

# prodpath_run SCRIPT: exit status of SCRIPT; its stderr in $T/inside.err.
prodpath_run() {
	T=$T ip netns exec "$prodpath_ns" unshare -m --propagation private \
		sh "$1" 2>"$T/inside.err"
}

prodpath_emulator() {
	S=$T/emu
	ip link set lo up || exit 10
	ip addr add 169.254.169.254/32 dev lo || exit 11
	mkdir -p "$S"
	"$PYTHON3" "$top_srcdir/tests/emulator/azkv-emulator.py" \
		--state-dir "$S" --imds-listen 169.254.169.254:80 \
		--vault-listen 127.0.0.1:443 \
		>"$T/emulator.out" 2>"$T/emulator.err" &
	prodpath_pid=$!
	echo "$prodpath_pid" >"$T/emu.pid"
	i=0
	while [ ! -s "$S/env.sh" ]; do
		i=$((i + 1))
		if [ "$i" -gt 150 ] || ! kill -0 "$prodpath_pid" 2>/dev/null
		then
			kill "$prodpath_pid" 2>/dev/null
			exit 12
		fi
		sleep 0.1
	done
	. "$S/env.sh"
}

ctl() { "$PYTHON3" "$top_srcdir/tests/emulator/emuctl.py" --state "$S" "$@"; }

prodpath_hosts() {
	printf '127.0.0.1\tlocalhost\n127.0.0.1\tmyvault.vault.azure.net\n' \
		>"$T/hosts"
	mount --bind "$T/hosts" /etc/hosts || exit 14
}

prodpath_stop() {
	kill "$prodpath_pid"
	wait "$prodpath_pid" 2>/dev/null
	: >"$T/emu.pid"
}
