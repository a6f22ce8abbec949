# lib.sh: shared helpers for the integration tests (TAP through automake).
# Source it first: . "$top_srcdir/tests/integration/lib.sh"

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${PYTHON3:=python3}"
export top_srcdir top_builddir PYTHON3
PATH="$top_builddir:$PATH"
export PATH

tap_n=0
tap_failed=0

# A private scratch directory, removed at exit; every test process is
# stopped by PID through the exit trap.
T=$(mktemp -d "${TMPDIR:-/tmp}/azkv-test.XXXXXX") || exit 99
tap_pids=
tap_cleanups=
tap_exit() {
	for c in $tap_cleanups; do "$c"; done
	for p in $tap_pids; do kill "$p" 2>/dev/null; done
	for p in $tap_pids; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap tap_exit EXIT
trap 'exit 130' INT TERM

# Remember a background process to stop at exit.
track_pid() { tap_pids="$tap_pids $1"; }
# Run a function at exit (before the tracked processes are stopped).
at_exit() { tap_cleanups="$1 $tap_cleanups"; }

ok() {	# ok STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

is() {	# is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
	fi
}

like() {	# like GOT GREP-E-PATTERN DESCRIPTION
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '#   got:  %s\n#   want match: %s\n' "$1" "$2"
	fi
}

unlike() {	# unlike GOT GREP-E-PATTERN DESCRIPTION
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 1 "$3"
		printf '#   got:  %s\n#   must not match: %s\n' "$1" "$2"
	else
		ok 0 "$3"
	fi
}

skip() {	# skip REASON: one skipped test
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $1"
}

skip_all() {	# skip_all REASON: the whole script
	echo "1..0 # SKIP $1"
	trap - EXIT
	rm -rf "$T"
	exit 0
}

diag() { printf '# %s\n' "$*"; }

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# Wait (bounded) until a file exists: wait_for_file PATH [TENTHS]
wait_for_file() {
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ "$i" -gt "${2:-100}" ] && return 1
		sleep 0.1
	done
	return 0
}
