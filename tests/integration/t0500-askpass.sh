#!/bin/sh
# t0500: azkv-askpass run directly against the emulator: which prompts it
# answers, which secret it picks, exact output, refusals, limits, stdin.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

unset AZKV_CONFIG AZKV_IDENTITY AZKV_TIMEOUT AZKV_DEBUG AZKV_TOKEN_CACHE \
	AZKV_IDENTITY_SOURCE AZKV_SECRET AZURE_CLIENT_ID XDG_CONFIG_HOME \
	IDENTITY_ENDPOINT IDENTITY_HEADER IMDS_ENDPOINT MSI_ENDPOINT \
	MSI_SECRET AZURE_FEDERATED_TOKEN_FILE SSH_ASKPASS_PROMPT
emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
AP=$top_builddir/azkv-askpass
export AZKV_CONFIG="$T/config"
: >"$AZKV_CONFIG"

# run PROMPT: askpass with stdout in $T/out, stderr in $T/err, status in $rc
run() {
	"$AP" "$1" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
}

# answered PROMPT WANT DESCRIPTION: exit 0 and stdout exactly WANT + "\n"
answered() {
	run "$1"
	printf '%s\n' "$2" >"$T/want"
	if [ "$rc" -eq 0 ] && cmp -s "$T/out" "$T/want"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "rc=$rc stderr: $(cat "$T/err")"
	fi
}

# refused PROMPT WANT-RC DESCRIPTION: that exit status and empty stdout
refused() {
	run "$1"
	if [ "$rc" -eq "$2" ] && [ ! -s "$T/out" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "rc=$rc (want $2) stdout bytes: $(wc -c <"$T/out")"
	fi
}

# ---- default names -------------------------------------------------------
n=$(emu_secret_name ssh ftpadmin sftp.example.com)
like "$n" '^ssh-ftpadmin-sftp-example-com-[0-9a-f]{16}$' "derived ssh name $n"
emu_ctl secret-set "$n" 'pw-default' >/dev/null
answered "ftpadmin@sftp.example.com's password: " 'pw-default' \
	"ssh password prompt answered from the derived default name"
answered "(ftpadmin@sftp.example.com) Password: " 'pw-default' \
	"keyboard-interactive prompt answered from the same secret"

n=$(emu_secret_name sshkey key "$T/keys/id_ed25519")
emu_ctl secret-set "$n" 'key-default' >/dev/null
mkdir -p "$T/keys" && : >"$T/keys/id_ed25519"
answered "Enter passphrase for key '$T/keys/id_ed25519': " 'key-default' \
	"ssh key passphrase from the derived name"
answered "Enter passphrase for $T/keys/id_ed25519: " 'key-default' \
	"ssh-add passphrase from the derived name"
answered "Enter passphrase for $T/keys/id_ed25519 (will confirm each use): " \
	'key-default' "ssh-add -c passphrase from the derived name"
(cd "$T/keys" && "$AP" "Enter passphrase for id_ed25519: " >"$T/out" \
	2>"$T/err" </dev/null)
is "$(cat "$T/out")" 'key-default' "relative ssh-add path resolved in the cwd"

n=$(emu_secret_name askpass-git http "127.0.0.1:8080")
emu_ctl secret-set "$n" '{"username":"alice","password":"git-pw"}' >/dev/null
answered "Username for 'http://127.0.0.1:8080': " 'alice' \
	"git username from a JSON secret"
answered "Password for 'http://alice@127.0.0.1:8080': " 'git-pw' \
	"git password from a JSON secret"
answered "Password for 'http://alice@127.0.0.1:8080/repo.git': " 'git-pw' \
	"git password with a path uses the host's secret"
refused "Password for 'http://bob@127.0.0.1:8080': " 1 \
	"JSON username alice does not answer for bob"
like "$(cat "$T/err")" "is for user 'alice', not 'bob'" "... and says why"

# ---- configuration and AZKV_SECRET ----------------------------------------
emu_ctl secret-set db-alice 'pw-alice' >/dev/null
emu_ctl secret-set db-any 'pw-any' >/dev/null
emu_ctl secret-set deploy-key 'pp-deploy' >/dev/null
emu_ctl secret-set ado '{"username":"u1","password":"p1"}' >/dev/null
emu_ctl secret-set ado-repo 'p-repo' >/dev/null
emu_ctl secret-set ado-org 'p-org' >/dev/null
emu_ctl secret-set ado-corp 'p-corp' >/dev/null
emu_ctl secret-set plain 'p-plain' >/dev/null
cat >"$AZKV_CONFIG" <<EOF
[ssh "alice@db.example"]
	secret = db-alice
[ssh "db.example"]
	secret = db-any
[key "$T/keys/deploy"]
	secret = deploy-key
[git "https://dev.example"]
	secret = ado
[git "https://dev.example/org/repo.git"]
	secret = ado-repo
[git "https://dev.example/org"]
	secret = ado-org
[git "https://corp%40u1@dev.example"]
	secret = ado-corp
[git "https://plain.example"]
	secret = plain
	username = carol
EOF
answered "alice@db.example's password: " 'pw-alice' '[ssh "user@host"]'
answered "bob@db.example's password: " 'pw-any' '[ssh "host"] for other users'
answered "Enter passphrase for key '$T/keys/deploy': " 'pp-deploy' \
	'[key "/path"]'
answered "Username for 'https://dev.example': " 'u1' '[git "https://host"]'
answered "Password for 'https://u1@dev.example': " 'p1' \
	'[git "https://host"] password'
answered "Password for 'https://u1@dev.example/org/repo.git': " 'p-repo' \
	'[git "https://host/path"] is more specific'
answered "Password for 'https://u%31@dev.example': " 'p1' \
	'percent-encoded user name decoded'
answered "Password for 'https://u1@dev.example/org/other.git': " 'p-org' \
	'[git "https://host/dir"] matches paths below it'
answered "Password for 'https://u1@dev.example:443': " 'p1' \
	'the default port may be written or left out'
answered "Password for 'https://corp%40u1@dev.example': " 'p-corp' \
	'[git "https://user%40domain@host"] matches the encoded user name'
answered "Username for 'https://plain.example': " 'carol' \
	'[git "URL"] username answers the Username prompt'
answered "Password for 'https://carol@plain.example': " 'p-plain' \
	'... and the plain secret the Password prompt'
refused "Password for 'https://dave@plain.example': " 1 \
	'... but not for another user'

AZKV_SECRET=db-any
export AZKV_SECRET
answered "alice@db.example's password: " 'pw-any' 'AZKV_SECRET wins over config'
unset AZKV_SECRET

# ---- debug log -------------------------------------------------------------
AZKV_DEBUG=1 "$AP" "alice@db.example's password: " >"$T/out" 2>"$T/err" \
	</dev/null
like "$(cat "$T/err")" 'ssh-password' "AZKV_DEBUG=1 logs the rule"
like "$(cat "$T/err")" 'db-alice' "AZKV_DEBUG=1 logs the secret name"
unlike "$(cat "$T/err")" 'pw-alice' "AZKV_DEBUG=1 never logs the answer"

# ---- refusals: empty stdout, non-zero exit, no vault request ----------------
emu_ctl clear-log >/dev/null
hostkey=$(printf "The authenticity of host 'db.example (127.0.0.1)' can't be established.\nED25519 key fingerprint is SHA256:abc.\nThis key is not known by any other names.\nAre you sure you want to continue connecting (yes/no/[fingerprint])? ")
refused "$hostkey" 1 "new host key question refused"
like "$(cat "$T/err")" 'host key question' "... with a reason on stderr"
refused "Please type 'yes', 'no' or the fingerprint: " 1 "'Please type yes' refused"
refused "Accept updated hostkeys? (yes/no): " 1 "updated host keys refused"
refused "Enter alice@db.example's old password: " 1 "password change refused"
refused "Enter PIN for ED25519-SK key /k: " 1 "FIDO PIN refused"
refused "Password: " 1 "bare Password: refused"
refused "(alice@db.example) Verification code: " 1 "other kbdint text refused"
refused "$(printf 'banner\nalice@db.example'"'"'s password: ')" 1 \
	"multi-line prompt ending in a password prompt refused"
refused "$(printf 'alice@db.example\033[0m'"'"'s password: ')" 1 \
	"escape byte refused"
long=$("$PYTHON3" -c 'print("a" * 102400 + "@db.example'"'"'s password: ")')
refused "$long" 1 "100 KB prompt refused"
SSH_ASKPASS_PROMPT=confirm
export SSH_ASKPASS_PROMPT
refused "alice@db.example's password: " 1 "SSH_ASKPASS_PROMPT=confirm refused"
refused "Allow use of key /k?" 1 "agent confirmation refused"
SSH_ASKPASS_PROMPT=none
refused "Confirm user presence for key ED25519-SK SHA256:x" 0 \
	"SSH_ASKPASS_PROMPT=none exits 0, no output"
unset SSH_ASKPASS_PROMPT
is "$(emu_ctl count vault)" 0 "no refusal asked the vault for anything"
is "$(emu_ctl count imds)" 0 "no refusal asked for a token"

# ---- secrets that cannot be an answer ---------------------------------------
set_value() {	# set_value NAME FILE
	emu_ctl secret-set "$1" - <"$2" >/dev/null
}
cat >"$AZKV_CONFIG" <<EOF
[ssh "v.example"]
	secret = value-test
[git "https://v.example"]
	secret = value-test
EOF
printf 'line1\nline2' >"$T/v"; set_value value-test "$T/v"
refused "u@v.example's password: " 1 "secret with LF refused"
like "$(cat "$T/err")" 'line break' "... with a message"
printf 'a\rb' >"$T/v"; set_value value-test "$T/v"
refused "u@v.example's password: " 1 "secret with CR refused"
"$PYTHON3" -c 'import sys; sys.stdout.write("x" * 1024)' >"$T/v"
set_value value-test "$T/v"
refused "u@v.example's password: " 1 "1024-byte secret refused"
like "$(cat "$T/err")" '1024 bytes' "... with its size"
"$PYTHON3" -c 'import sys; sys.stdout.write("y" * 1023)' >"$T/v"
set_value value-test "$T/v"
answered "u@v.example's password: " "$(cat "$T/v")" "1023-byte secret answered"
printf 'plain' >"$T/v"; set_value value-test "$T/v"
refused "Username for 'https://v.example': " 1 \
	"plain secret cannot answer a git Username prompt"

printf 'a\000b' >"$T/v"; set_value value-test "$T/v"
refused "u@v.example's password: " 1 "secret with a NUL byte refused"
like "$(cat "$T/err")" "secret 'value-test' holds a NUL byte; not answering" "... with a message"
printf '{"username":"u","password":""}' >"$T/v"; set_value value-test "$T/v"
refused "u@v.example's password: " 1 "JSON secret with an empty password refused"
like "$(cat "$T/err")" "secret 'value-test': the password is empty; not answering" "... with a message"
# documented: an object without a string "password" is itself the password
# (e.g. a JSON key file some registries take as a password)
printf '{"type":"service_account"}' >"$T/v"; set_value value-test "$T/v"
answered "u@v.example's password: " '{"type":"service_account"}' \
	"JSON object without a password member: the whole value answers"

# ---- errors ----------------------------------------------------------------
refused "nobody@missing.example's password: " 3 "missing secret: exit 3"
like "$(cat "$T/err")" 'azkv-askpass' "... with a message"
"$AP" >"$T/out" 2>"$T/err" </dev/null
is "$?" 2 "no argument: usage, exit 2"
"$AP" a b >"$T/out" 2>"$T/err" </dev/null
is "$?" 2 "two arguments: usage, exit 2"

# ---- a broken config file ------------------------------------------------------
printf '[ssh "x"\n' >"$T/bad.conf"
AZKV_CONFIG=$T/bad.conf SSH_ASKPASS_PROMPT=none "$AP" "x" >"$T/out" 2>&1
is "$?" 0 "SSH_ASKPASS_PROMPT=none exits 0 before reading any config"
AZKV_CONFIG=$T/bad.conf run "$hostkey"
is "$rc" 1 "a refused prompt stays a refusal (1) with a broken config"
AZKV_CONFIG=$T/bad.conf run "alice@db.example's password: "
is "$rc" 2 "an allowed prompt with a broken config: exit 2"
like "$(cat "$T/err")" 'bad.conf:1' "... naming the file and line"
AZKV_CONFIG=$T/config	# a prefix assignment to a function may persist

# ---- stdin is never read ------------------------------------------------------
printf 'git-protocol-data\n' >"$T/stdin"
{ "$AP" "alice@db.example's password: " >/dev/null 2>&1; cat >"$T/rest"; } \
	<"$T/stdin"
is "$(cat "$T/rest")" 'git-protocol-data' "stdin left unread for its owner"

done_testing
