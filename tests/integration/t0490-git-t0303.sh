#!/bin/sh
# t0490-git-t0303.sh: git's own external-helper test suite,
# t/t0303-credential-external.sh from Debian's source package of the
# installed git, run with GIT_TEST_CREDENTIAL_HELPER=azkv against the emulator.
#
# The source tree is $AZKV_GIT_SRC when set, else it is fetched once with
# `apt-get source git=<installed version>` (needs the deb-src entries that
# scripts/install-deps adds) into a cache outside the build tree, so that
# every build (in-tree, distcheck, sanitizers) shares it:
# ${AZKV_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/azkv-test}/git-src/.
# The few pieces test-lib.sh needs (GIT-BUILD-OPTIONS, templates, test-tool)
# are built there once, under a lock. The installed git is the git under
# test (GIT_TEST_INSTALLED); nothing is written into the source tree after.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

gitbin=$(command -v git) || skip_all "git not installed"
pkgver=$(dpkg-query -W -f='${Version}' git 2>/dev/null) ||
	skip_all "git is not a Debian package here; set AZKV_GIT_SRC to a git source tree"

# git_src_prepare: print the source tree, fetching and building as needed;
# messages on stderr. Non-zero when there is no usable tree.
git_src_prepare() {
	if [ -n "${AZKV_GIT_SRC:-}" ]; then
		tree=$AZKV_GIT_SRC
	else
		root=${AZKV_TEST_CACHE:-${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/azkv-test}
		# No ':' in the path: test-lib.sh puts the tree into PATH.
		cache=$root/git-src/$(printf %s "$pkgver" | tr -c 'A-Za-z0-9.+-' _)
		mkdir -p "$cache" || return 1
		exec 9>"$cache.lock"
		flock -w 3600 9 || { echo "cannot lock $cache.lock" >&2; return 1; }
		tree=$(ls -d "$cache"/git-*/ 2>/dev/null | head -n 1)
		if [ -z "$tree" ]; then
			if ! (cd "$cache" && timeout 600 apt-get source -q "git=$pkgver") \
			    >"$cache/fetch.log" 2>&1; then
				tail -n 5 "$cache/fetch.log" >&2
				rm -rf "$cache"
				return 2
			fi
			tree=$(ls -d "$cache"/git-*/ 2>/dev/null | head -n 1)
		fi
		tree=${tree%/}
	fi
	[ -f "$tree/t/t0303-credential-external.sh" ] || return 2
	if [ ! -x "$tree/t/helper/test-tool" ] || [ ! -f "$tree/GIT-BUILD-OPTIONS" ] ||
	    [ ! -d "$tree/templates/blt" ]; then
		echo "building test-tool, GIT-BUILD-OPTIONS and templates in $tree" >&2
		(
			cd "$tree" &&
			timeout 3000 make -j2 NO_GETTEXT=1 NO_TCLTK=1 NO_PERL=1 NO_PYTHON=1 \
				GIT-BUILD-OPTIONS t/helper/test-tool &&
			timeout 600 make -C templates NO_PERL=1
		) >"$T/build.log" 2>&1 || { tail -n 20 "$T/build.log" >&2; return 1; }
	fi
	exec 9>&-
	echo "$tree"
}

src=$(git_src_prepare 2>"$T/prepare.err")
rc=$?
sed 's/^/# /' "$T/prepare.err"
if [ $rc -eq 2 ]; then
	skip_all "no git source for $pkgver: 'apt-get source git' failed (deb-src entries from scripts/install-deps and network needed) and AZKV_GIT_SRC is unset"
fi
ok $rc "git source tree with test-tool for $pkgver"
[ $rc -eq 0 ] || { done_testing; exit 1; }
diag "git source: $src"

# test-lib.sh preloads glibc's libc_malloc_debug into every test command; a
# helper built with AddressSanitizer refuses to start under a preload.
if ! LD_PRELOAD=libc_malloc_debug.so.0 git-credential-azkv --version >/dev/null 2>&1; then
	diag "the helper cannot run under libc_malloc_debug (sanitizer build?): TEST_NO_MALLOC_CHECK=1"
	TEST_NO_MALLOC_CHECK=1
	export TEST_NO_MALLOC_CHECK
fi

emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env

# test-lib.sh moves HOME to its trash directory and keeps AZKV_*, AZURE_*
# and XDG_RUNTIME_DIR: the helper finds the emulator through them.
(
	cd "$src/t" &&
	GIT_TEST_INSTALLED=$(dirname "$gitbin") \
	GIT_TEST_CREDENTIAL_HELPER=azkv \
	TEST_OUTPUT_DIRECTORY_OVERRIDE=$T/git-test-output \
	timeout 900 sh ./t0303-credential-external.sh -v --root="$T/trash"
) >"$T/t0303.out" 2>&1
rc=$?

# Re-emit each of git's results as ours.
n=0
while IFS= read -r line; do
	case $line in
	"ok "[0-9]*" - "*)
		n=$((n + 1))
		ok 0 "t0303: ${line#ok * - }" ;;
	"not ok "[0-9]*" - "*)
		n=$((n + 1))
		ok 1 "t0303: ${line#not ok * - }" ;;
	esac
done <"$T/t0303.out"
ok $((n < 10)) "t0303 ran its cases ($n)"
is "$rc" 0 "t0303 exit status"
like "$(tail -n 3 "$T/t0303.out")" "# passed all $n test" "t0303: passed all"
if [ "$rc" -ne 0 ] || [ $n -lt 10 ]; then
	tail -n 60 "$T/t0303.out" | sed 's/^/#   /'
fi

# Every case is cleaned up: no credential left, every secret still there.
left=$(emu_ctl secret-show "$(printf 'git-https-example-com-%s' \
	"$("$PYTHON3" -c 'import hashlib; print(hashlib.sha256(b"https\0example.com").hexdigest()[:16])')")" |
	"$PYTHON3" -c 'import json,sys; d=json.load(sys.stdin); print(d["deleted"], json.loads(d["versions"][-1]["value"])["entries"])')
is "$left" "False []" "t0303 cleanup leaves an empty document, secret kept"

done_testing
