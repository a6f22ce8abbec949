# emu.sh: start/stop/drive the Azure emulator from integration tests.
# Source after lib.sh:  . "$top_srcdir/tests/integration/emu.sh"
# Interface: tests/emulator/README.md.

EMU_PID=

# emu_start [EMULATOR OPTIONS...]: start the emulator (stopped at exit), wait
# (at most ~10 s) until it is ready, and export the EMU_* variables.
emu_start() {
	EMU_STATE=$T/emu
	mkdir -p "$EMU_STATE" || return 1
	rm -f "$EMU_STATE/env.sh"
	# The interpreter behind a version-manager shim starts much faster.
	EMU_PYTHON=$("$PYTHON3" -c 'import sys; print(sys.executable)') || return 1
	export EMU_PYTHON
	"$EMU_PYTHON" "$top_srcdir/tests/emulator/azkv-emulator.py" \
		--state-dir "$EMU_STATE" "$@" \
		>"$EMU_STATE/emulator.out" 2>"$EMU_STATE/emulator.err" &
	EMU_PID=$!
	track_pid "$EMU_PID"
	at_exit emu_stop
	emu_i=0
	while [ ! -s "$EMU_STATE/env.sh" ]; do
		emu_i=$((emu_i + 1))
		if [ "$emu_i" -gt 100 ] || ! kill -0 "$EMU_PID" 2>/dev/null; then
			diag "emulator did not start:"
			sed 's/^/#   /' "$EMU_STATE/emulator.err" 2>/dev/null
			return 1
		fi
		sleep 0.1
	done
	. "$EMU_STATE/env.sh"
	export EMU_STATE
	return 0
}

# emu_env: point azkv (as a user would) at the emulator.
emu_env() {
	AZURE_POD_IDENTITY_AUTHORITY_HOST=$EMU_IMDS
	AZKV_VAULT=$EMU_VAULT_URL
	AZKV_CAFILE=$EMU_CA
	AZKV_ALLOW_VAULT_HOST=$EMU_VAULT_HOST
	XDG_RUNTIME_DIR=$T/run
	HOME=$T/home
	mkdir -p "$XDG_RUNTIME_DIR" "$HOME"
	chmod 700 "$XDG_RUNTIME_DIR"
	export AZURE_POD_IDENTITY_AUTHORITY_HOST AZKV_VAULT AZKV_CAFILE \
		AZKV_ALLOW_VAULT_HOST XDG_RUNTIME_DIR HOME
}

# emu_ctl COMMAND [ARGS...]: see tests/emulator/README.md.
# Uses curl when present (fast), else emuctl.py.
emu_ctl() {
	if ! command -v curl >/dev/null 2>&1; then
		"$EMU_PYTHON" "$top_srcdir/tests/emulator/emuctl.py" --state "$EMU_STATE" "$@"
		return
	fi
	emu_a=
	[ "$1" = secret-set ] && [ "${3-}" = - ] && emu_a=stdin
	set -- "$@" --emu-end--
	emu_n=0
	while [ "$1" != --emu-end-- ]; do
		emu_n=$((emu_n + 1))
		if [ "$emu_n" = 3 ] && [ "$emu_a" = stdin ]; then
			set -- "$@" --data-urlencode "a@-"
		else
			set -- "$@" --data-urlencode "a=$1"
		fi
		shift
	done
	shift
	emu_o=$(mktemp "$EMU_STATE/ctl.XXXXXX") || return 2
	emu_x=$(curl -s --noproxy '*' -m 60 -o "$emu_o" -w '%header{x-exit}' \
		"$@" "$EMU_CONTROL/ctl") || emu_x=
	if [ "$emu_x" = 0 ]; then
		cat "$emu_o"
	elif [ -z "$emu_x" ]; then
		echo "emu_ctl: the emulator's control port did not answer" >&2
	else
		cat "$emu_o" >&2
	fi
	rm -f "$emu_o"
	return "${emu_x:-2}"
}

# emu_secret_name PREFIX A B: the documented derived secret name
# (azkv_secret_name_derive), computed independently of azkv.
emu_secret_name() {
	"$PYTHON3" - "$1" "$2" "$3" <<'PY'
import hashlib, re, sys
prefix, a, b = (s.encode("utf-8", "surrogateescape") for s in sys.argv[1:4])
h = hashlib.sha256(a + b"\0" + b).hexdigest()[:16]
slug = re.sub(rb"[^a-z0-9]+", b"-", (a + b"-" + b).lower())
slug = slug[:127 - len(prefix) - len(h) - 2]
print("%s-%s-%s" % (prefix.decode(), slug.decode(), h))
PY
}

# emu_reads NAME: successful reads of secret NAME in the vault's request log
emu_reads() {
	emu_ctl log vault | "$PYTHON3" -c '
import json, sys
n = 0
for line in sys.stdin:
    e = json.loads(line)
    if e.get("method") == "GET" and e.get("status") == 200 and \
            e.get("path", "").rstrip("/").endswith("/secrets/" + sys.argv[1]):
        n += 1
print(n)' "$1"
}

# emu_node: print the path of a Node.js >= 20, the pinned Azure SDK's
# minimum: the system's, else the official build scripts/install-deps takes
# from the npm registry into tests/emulator/sdk/runtime (Debian 12 ships
# Node.js 18). Fails when there is none.
emu_node() {
	for emu_n in "$(command -v node 2>/dev/null)" \
	    "$top_srcdir"/tests/emulator/sdk/runtime/node_modules/node-linux-*/bin/node; do
		[ -n "$emu_n" ] && [ -x "$emu_n" ] || continue
		emu_m=$("$emu_n" -p 'process.versions.node.split(".")[0]' 2>/dev/null)
		case $emu_m in
		''|*[!0-9]*) continue ;;
		esac
		[ "$emu_m" -ge 20 ] && { echo "$emu_n"; return 0; }
	done
	return 1
}

# emu_stop: stop the emulator (also run at exit).
emu_stop() {
	if [ -n "$EMU_PID" ]; then
		kill "$EMU_PID" 2>/dev/null
		wait "$EMU_PID" 2>/dev/null
		EMU_PID=
	fi
}
