# bench/lib.sh: shared set-up for the benchmarks: the installed build, the
# emulator, and where results go. Source it first, before parsing options.
#   top_builddir: build dir with the programs (default: the current dir)
#   BENCH_OUT:    where results go (default: $top_builddir/bench-results)
#   BENCH_MODE:   prod     - as root: a private network namespace with
#                            169.254.169.254 and a private mount namespace
#                            whose /etc/hosts maps myvault.vault.azure.net
#                            to 127.0.0.1 and whose /etc/ssl/certs also
#                            trusts the test CA; every tool runs unmodified
#                            and azkv takes its real path (known vault
#                            resource, no challenge round trip)
#                 loopback - the emulator on 127.0.0.1 ports, azkv pointed
#                            at it with AZKV_* settings (any user)
#                 auto     - prod when possible, else loopback (default)

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
PYTHON3=${PYTHON3:-python3}
BENCH_OUT=${BENCH_OUT:-$top_builddir/bench-results}
BENCH_MODE=${BENCH_MODE:-auto}
export top_srcdir top_builddir PYTHON3 BENCH_OUT
[ -x "$top_builddir/azkv" ] || {
	echo "bench: no azkv in $top_builddir (run from a build dir)" >&2
	exit 2
}
case $BENCH_MODE in
prod|loopback|auto) ;;
*) echo "bench: BENCH_MODE must be prod, loopback or auto" >&2; exit 2 ;;
esac
mkdir -p "$BENCH_OUT"

# Re-run this script inside fresh namespaces (prod mode); the namespace
# is removed when it ends.
if [ -z "${BENCH_INSIDE:-}" ] && [ "$BENCH_MODE" != loopback ]; then
	bench_why=
	if [ "$(id -u)" -ne 0 ]; then
		bench_why="not root"
	elif ! command -v ip >/dev/null || ! command -v unshare >/dev/null; then
		bench_why="ip or unshare missing"
	else
		bench_ns=azkv-bench-$$
		if ip netns add "$bench_ns" 2>/dev/null; then
			BENCH_INSIDE=1 BENCH_NS=$bench_ns ip netns exec "$bench_ns" \
				unshare -m --propagation private \
				"$BASH" "$0" "$@"
			bench_rc=$?
			ip netns delete "$bench_ns"
			exit "$bench_rc"
		fi
		bench_why="cannot create a network namespace"
	fi
	if [ "$BENCH_MODE" = prod ]; then
		echo "bench: production-path mode impossible: $bench_why" >&2
		exit 2
	fi
	echo "bench: $bench_why; using the loopback emulator" >&2
	BENCH_MODE=loopback
fi
if [ -n "${BENCH_INSIDE:-}" ]; then
	BENCH_MODE=prod
	ip link set lo up && ip addr add 169.254.169.254/32 dev lo || {
		echo "bench: cannot set up the namespace's loopback" >&2
		exit 1
	}
fi
export BENCH_MODE

. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

# The build dir holds libtool wrapper scripts; measure installed binaries.
make -C "$top_builddir" -s install DESTDIR="$T/inst" >"$T/install.log" 2>&1 || {
	cat "$T/install.log" >&2
	exit 1
}
bench_prefix=$(sed -n "s/^prefix = //p" "$top_builddir/Makefile")
PATH=$T/inst$bench_prefix/bin:$PATH
export PATH
# Installed as a package would be: in the private mount namespace the
# loader's cache also lists the scratch libdir (ldconfig after make
# install); elsewhere LD_LIBRARY_PATH, which costs every library lookup a
# few failed open() calls.
if [ "$BENCH_MODE" = prod ] &&
    { echo "$T/inst$bench_prefix/lib"
      echo "include /etc/ld.so.conf.d/*.conf"; } >"$T/ld.so.conf" &&
    ldconfig -C "$T/ld.so.cache" -f "$T/ld.so.conf" 2>"$T/ldconfig.err" &&
    mount --bind "$T/ld.so.cache" /etc/ld.so.cache; then
	:
else
	LD_LIBRARY_PATH=$T/inst$bench_prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
fi

# Start the emulator and point azkv at it the way a user would.
#   bench_emulator [EMULATOR OPTIONS...]
bench_emulator() {
	if [ "$BENCH_MODE" = prod ]; then
		set -- "$@" --imds-listen 169.254.169.254:80 \
			--vault-listen 127.0.0.1:443
	fi
	emu_start "$@" || { echo "bench: emulator did not start" >&2; exit 1; }
	if [ "$BENCH_MODE" = prod ]; then
		bench_prod_env
	else
		emu_env
		BENCH_VAULT_URL=$EMU_VAULT_URL
		BENCH_IMDS=$EMU_IMDS
	fi
	export BENCH_VAULT_URL BENCH_IMDS
	emu_ctl secret-set bench 'bench-secret-value' >/dev/null
}

# Production path: the vault is myvault.vault.azure.net (127.0.0.1:443 by
# /etc/hosts), IMDS is 169.254.169.254, and the system trust store (bundle
# and hashed directory) also holds the test CA, as update-ca-certificates
# would leave it. No AZKV_/AZURE_ override is set; AZKV_VAULT=myvault is the
# one setting a user on an Azure VM gives.
bench_prod_env() {
	local h i
	printf '127.0.0.1\tlocalhost\n127.0.0.1\tmyvault.vault.azure.net\n' \
		>"$T/hosts"
	cp -a /etc/ssl/certs "$T/certs" &&
		cat "$EMU_CA" >>"$T/certs/ca-certificates.crt" &&
		h=$(openssl x509 -hash -noout -in "$EMU_CA") || exit 1
	i=0
	while [ -e "$T/certs/$h.$i" ]; do i=$((i + 1)); done
	cp "$EMU_CA" "$T/certs/$h.$i"
	mount --bind "$T/hosts" /etc/hosts &&
		mount --bind "$T/certs" /etc/ssl/certs || {
		echo "bench: cannot bind-mount /etc/hosts or /etc/ssl/certs" >&2
		exit 1
	}
	for v in $(env | sed -n 's/^\(\(AZKV\|AZURE\|IDENTITY\|MSI\|IMDS\)_[A-Za-z0-9_]*\)=.*/\1/p'); do
		unset "$v"
	done
	AZKV_VAULT=myvault
	XDG_RUNTIME_DIR=$T/run
	HOME=$T/home
	mkdir -p "$XDG_RUNTIME_DIR" "$HOME"
	chmod 700 "$XDG_RUNTIME_DIR"
	export AZKV_VAULT XDG_RUNTIME_DIR HOME
	BENCH_VAULT_URL=https://myvault.vault.azure.net
	BENCH_IMDS=http://169.254.169.254
}

# A describe-the-machine line for the report.
bench_machine() {
	printf '%s, %s cores, %s, Linux %s' \
		"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
		"$(nproc)" \
		"$(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)" \
		"$(uname -r)"
}

# Drop every cached token but keep what the vault's challenge taught (in
# loopback mode; on Azure the vault's resource is known in advance, so a
# cold start there needs no challenge either).
bench_drop_tokens() {
	rm -f "$XDG_RUNTIME_DIR"/azkv/*.tok
}
