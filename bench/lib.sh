# bench/lib.sh: shared set-up for the benchmarks: a build dir, the emulator
# (IMDS + Key Vault on loopback), and result files.
#   top_builddir: build dir with the programs (default: the current dir)
#   BENCH_OUT:    where results go (default: $top_builddir/bench-results)

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
PYTHON3=${PYTHON3:-python3}
BENCH_OUT=${BENCH_OUT:-$top_builddir/bench-results}
export top_srcdir top_builddir PYTHON3 BENCH_OUT
[ -x "$top_builddir/azkv" ] || {
	echo "bench: no azkv in $top_builddir (run from a build dir)" >&2
	exit 2
}
mkdir -p "$BENCH_OUT"
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

# The build dir holds libtool wrapper scripts; measure installed binaries.
make -C "$top_builddir" -s install DESTDIR="$T/inst" >"$T/install.log" 2>&1 || {
	cat "$T/install.log" >&2
	exit 1
}
bench_prefix=$(sed -n "s/^prefix = //p" "$top_builddir/Makefile")
PATH=$T/inst$bench_prefix/bin:$PATH
LD_LIBRARY_PATH=$T/inst$bench_prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PATH LD_LIBRARY_PATH

# Start the emulator and point azkv at it the way a user would.
bench_emulator() {
	emu_start "$@" || { echo "bench: emulator did not start" >&2; exit 1; }
	emu_env
	emu_ctl secret-set bench 'bench-secret-value' >/dev/null
}

# A describe-the-machine line for the report.
bench_machine() {
	printf '%s, %s cores, %s, Linux %s' \
		"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
		"$(nproc)" \
		"$(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)" \
		"$(uname -r)"
}

# Drop every cached token but keep the learnt vault challenge: on Azure the
# vault's resource is known in advance, so a cold start there needs no
# challenge either.
bench_drop_tokens() {
	rm -f "$XDG_RUNTIME_DIR"/azkv/*.tok
}
