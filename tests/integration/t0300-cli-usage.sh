#!/bin/sh
# t0300: azkv command-line usage errors exit 2 with a clear message and
# never echo a secret-looking argument.
. "$top_srcdir/tests/integration/lib.sh"

# Nothing from the caller's environment or files may leak in.
unset AZKV_VAULT AZKV_CONFIG AZKV_IDENTITY AZKV_TIMEOUT AZKV_DEBUG \
	AZKV_CAFILE AZKV_TOKEN_CACHE AZKV_IDENTITY_SOURCE AZURE_CLIENT_ID \
	XDG_CONFIG_HOME
HOME=$T/home
mkdir -p "$HOME"
export HOME

# run ARGS...: sets $rc, $out, $err
run() {
	"$top_builddir/azkv" "$@" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

run
is "$rc" 2 "no command: exit 2"
like "$err" "^azkv: no command given" "no command: says so"
like "$err" "Try 'azkv --help'" "no command: points at --help"

run frobnicate
is "$rc" 2 "unknown command: exit 2"
like "$err" "unknown command 'frobnicate'" "unknown command: named"

run --help
is "$rc" 0 "--help: exit 0"
like "$out" "^usage: azkv" "--help: usage on stdout"
like "$out" "doctor" "--help: lists doctor"

run --version
is "$rc" 0 "--version: exit 0"
like "$out" "^azkv [0-9]+\.[0-9]+" "--version: prints the version"

run get --value=hunter2-secret x
is "$rc" 2 "unknown long option: exit 2"
like "$err" "unknown option '--value'" "unknown long option: named"
unlike "$err" "hunter2" "unknown long option: its value is not echoed"

run get -Q x
is "$rc" 2 "unknown short option: exit 2"
like "$err" "unknown option '-Q'" "unknown short option: named"

run get --vault
is "$rc" 2 "missing option value: exit 2"
like "$err" "option '--vault' needs a value" "missing option value: named"

run --vault v get
is "$rc" 2 "get without a name: exit 2"
like "$err" "get takes one secret NAME or URL" "get without a name: says so"

run --vault v get a b
is "$rc" 2 "get with two names: exit 2"

run --vault v get -n --json a
is "$rc" 2 "-n with --json: exit 2"
like "$err" "cannot be used together" "-n with --json: says so"

run get a
is "$rc" 2 "get without a vault: exit 2"
like "$err" "no vault given" "get without a vault: says so"
like "$err" "AZKV_VAULT" "get without a vault: names the variable"

run --vault v delete a --json
is "$rc" 2 "an option of another command: exit 2"
like "$err" "not valid for 'delete'" "an option of another command: says so"

run --vault v set name hunter2-secret
is "$rc" 2 "set with a value argument: exit 2"
like "$err" "standard input" "set with a value argument: explains stdin"
unlike "$err" "hunter2" "set with a value argument: value not echoed"

run --vault v set name --tag novalue
is "$rc" 2 "set --tag without '=': exit 2"

run --timeout soon --vault v get a
is "$rc" 2 "bad --timeout: exit 2"
like "$err" "^azkv: --timeout: invalid timeout 'soon'" "bad --timeout: named"

export AZKV_TIMEOUT=0
run --vault v get a
unset AZKV_TIMEOUT
is "$rc" 2 "bad AZKV_TIMEOUT: exit 2"
like "$err" "^azkv: AZKV_TIMEOUT: invalid timeout" "bad AZKV_TIMEOUT: named"

printf '[azkv]\nvault = v\n\nthis is wrong\n' >"$T/bad.conf"
run --config "$T/bad.conf" get a
is "$rc" 2 "config syntax error: exit 2"
like "$err" "^azkv: $T/bad.conf:4: " "config syntax error: file and line"

run --config "$T/missing.conf" get a
is "$rc" 2 "missing --config file: exit 2"
like "$err" "cannot open $T/missing.conf" "missing --config file: named"

export AZKV_CONFIG="$T/bad.conf"
run get a
unset AZKV_CONFIG
is "$rc" 2 "AZKV_CONFIG syntax error: exit 2"

run token extra
is "$rc" 2 "token with an operand: exit 2"

done_testing
