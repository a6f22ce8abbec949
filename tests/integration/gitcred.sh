# gitcred.sh: helpers for the git-credential-azkv tests, in the style of
# git's t/lib-credential.sh `check`. Source after lib.sh.

# gc_check DESC WANT_RC HELPER-ARGS... <<EOF
# input lines
# --
# expected stdout
# --
# expected stderr (a line starting with '~' is an ERE the line must match)
# EOF
# Runs git-credential-azkv with the input (or the file $GC_INPUT when set),
# with the extra environment $GC_ENV (NAME=VALUE words), and checks exit status, stdout and stderr byte for byte: one TAP result.
gc_check() {
	gc_desc=$1 gc_want_rc=$2
	shift 2
	: >"$T/gc-in"
	: >"$T/gc-want-out"
	: >"$T/gc-want-err"
	awk -v dir="$T" '
		BEGIN { f = dir "/gc-in" }
		/^--$/ { n++; f = dir (n == 1 ? "/gc-want-out" : "/gc-want-err"); next }
		{ print > f }'
	gc_in=${GC_INPUT:-$T/gc-in}
	# shellcheck disable=SC2086
	env $GC_ENV git-credential-azkv "$@" <"$gc_in" >"$T/gc-out" 2>"$T/gc-err"
	gc_rc=$?
	gc_why=
	[ "$gc_rc" = "$gc_want_rc" ] || gc_why="exit status $gc_rc, want $gc_want_rc"
	cmp -s "$T/gc-out" "$T/gc-want-out" || gc_why="$gc_why${gc_why:+; }stdout differs"
	gc_err_match "$T/gc-err" "$T/gc-want-err" || gc_why="$gc_why${gc_why:+; }stderr differs"
	if [ -z "$gc_why" ]; then
		ok 0 "$gc_desc"
	else
		ok 1 "$gc_desc"
		diag "$gc_why"
		diag "stdout:"; sed 's/^/#   /' "$T/gc-out" | cut -c1-300
		diag "want stdout:"; sed 's/^/#   /' "$T/gc-want-out" | cut -c1-300
		diag "stderr:"; sed 's/^/#   /' "$T/gc-err" | cut -c1-300
		diag "want stderr:"; sed 's/^/#   /' "$T/gc-want-err" | cut -c1-300
	fi
}

# gc_err_match GOT WANT: same number of lines, each equal or matching '~ERE'.
gc_err_match() {
	[ "$(wc -l <"$1")" -eq "$(wc -l <"$2")" ] || return 1
	[ -s "$2" ] || { [ ! -s "$1" ]; return; }
	gc_n=0
	while IFS= read -r gc_want; do
		gc_n=$((gc_n + 1))
		gc_got=$(sed -n "${gc_n}p" "$1")
		case $gc_want in
		'~'*) printf '%s\n' "$gc_got" | grep -Eq -- "${gc_want#\~}" || return 1 ;;
		*) [ "$gc_got" = "$gc_want" ] || return 1 ;;
		esac
	done <"$2"
	return 0
}

# gc_name PROTOCOL HOST [PREFIX]: the store-mode secret name.
gc_name() {
	emu_secret_name "${3:-git}" "$1" "$2"
}

# gc_count METHOD [PATH-SUBSTRING]: vault requests logged with that method.
gc_count() {
	emu_ctl log vault | grep "\"method\":\"$1\"" | grep -c -- "${2:-}"
}

# gc_show NAME FIELD: what the emulator holds for NAME: "versions" (count),
# "deleted" (True/False), "value", "tags" or "contentType" of the latest.
gc_show() {
	emu_ctl secret-show "$1" 2>/dev/null | "$PYTHON3" -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    print("none"); sys.exit()
f = sys.argv[1]
if f == "versions": print(len(d["versions"]))
elif f == "deleted": print(d["deleted"])
elif f == "tags": print(json.dumps(d["versions"][-1]["tags"], sort_keys=True))
else: print(d["versions"][-1][f])' "$2"
}
