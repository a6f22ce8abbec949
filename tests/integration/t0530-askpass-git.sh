#!/bin/sh
# t0530: real git over HTTP (lighttpd + git http-backend, Basic auth) with
# GIT_ASKPASS=azkv-askpass and no credential helper: clone and push with a
# JSON {username, password} secret; wrong and missing secrets fail cleanly.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"
. "$top_srcdir/tests/integration/githttp.sh"

unset AZKV_CONFIG AZKV_IDENTITY AZKV_TIMEOUT AZKV_DEBUG AZKV_TOKEN_CACHE \
	AZKV_IDENTITY_SOURCE AZKV_SECRET AZURE_CLIENT_ID XDG_CONFIG_HOME \
	IDENTITY_ENDPOINT IDENTITY_HEADER IMDS_ENDPOINT MSI_ENDPOINT \
	MSI_SECRET AZURE_FEDERATED_TOKEN_FILE SSH_ASKPASS SSH_ASKPASS_PROMPT \
	GIT_ASKPASS DISPLAY WAYLAND_DISPLAY GIT_CONFIG_PARAMETERS
for p in git curl openssl setsid; do
	command -v "$p" >/dev/null 2>&1 || skip_all "$p not installed"
done
githttp_can_run || skip_all "$GITHTTP_SKIP"

emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
export AZKV_CONFIG="$T/config"
: >"$AZKV_CONFIG"

# git reads no user or system config: no credential helper anywhere
GIT_CONFIG_NOSYSTEM=1
GIT_CONFIG_GLOBAL=/dev/null
GIT_TERMINAL_PROMPT=0
export GIT_CONFIG_NOSYSTEM GIT_CONFIG_GLOBAL GIT_TERMINAL_PROMPT

openssl rand -hex 20 | tr -d '\n' >"$T/pw"
githttp_user_add alice <"$T/pw"
githttp_repo proj || { echo "Bail out! cannot make the repository"; exit 1; }
githttp_start || { echo "Bail out! lighttpd did not start"; exit 1; }
diag "git server at $GITHTTP_URL"

# json_secret USER PWFILE: {"username": USER, "password": <file>} on stdout
json_secret() {
	"$PYTHON3" -c 'import json, sys
print(json.dumps({"username": sys.argv[1],
    "password": open(sys.argv[2]).read()}), end="")' "$1" "$2"
}

# g ARGS...: git with askpass, no tty, stdin /dev/null
g() {
	GIT_ASKPASS=azkv-askpass setsid -w git -c credential.helper= "$@" \
		</dev/null >"$T/out" 2>"$T/err"
	rc=$?
}

# the server really wants a password
curl -s -o /dev/null -w '%{http_code}' \
	"$GITHTTP_URL/proj.git/info/refs?service=git-upload-pack" >"$T/code"
is "$(cat "$T/code")" 401 "the git server requires Basic auth"

# ---- default name: askpass-git + (http, 127.0.0.1:PORT) -----------------------
NAME=$(emu_secret_name askpass-git http "127.0.0.1:$GITHTTP_PORT")
json_secret alice "$T/pw" | emu_ctl secret-set "$NAME" - >/dev/null
g clone -q "$GITHTTP_URL/proj.git" "$T/c1"
is "$rc" 0 "git clone over HTTP with username and password from the vault"
is "$(cat "$T/c1/README" 2>/dev/null)" "hello from proj" "... the content"
unlike "$(cat "$T/err")" "$(cat "$T/pw")" "... the password is not on stderr"
ok "$([ ! -e "$T/c1/.git/config" ] ||
	! grep -qF "$(cat "$T/pw")" "$T/c1/.git/config"; echo $?)" \
	"... nor stored in the clone's config"

# push with the user in the URL: only the Password prompt is asked
(cd "$T/c1" && printf 'more\n' >>README &&
	git -c user.name=t -c user.email=t@t commit -q -am more) ||
	{ echo "Bail out! commit failed"; exit 1; }
git -C "$T/c1" remote set-url origin \
	"http://alice@127.0.0.1:$GITHTTP_PORT/git/proj.git"
AZKV_DEBUG=1 g -C "$T/c1" push -q origin main
is "$rc" 0 "git push with user@ in the URL: exit 0"
like "$(cat "$T/err")" 'matched rule git-password' \
	"... answered the Password for 'http://alice@...' prompt"
unlike "$(cat "$T/err")" 'matched rule git-username' \
	"... and no Username prompt was asked"
is "$(git -C "$GITHTTP_DIR/repos/proj.git" log -1 --format=%s main)" more \
	"... the commit reached the server"

# ---- [git "http://host:port"] and a JSON user that does not match the URL -------
json_secret alice "$T/pw" | emu_ctl secret-set git-mapped - >/dev/null
printf '[git "http://127.0.0.1:%s"]\n\tsecret = git-mapped\n' \
	"$GITHTTP_PORT" >"$AZKV_CONFIG"
emu_ctl clear-log >/dev/null
g clone -q "$GITHTTP_URL/proj.git" "$T/c2"
is "$rc" 0 "clone with [git \"http://host:port\"] secret = NAME"
like "$(emu_ctl log vault)" 'secrets/git-mapped' "... read the mapped secret"
g clone -q "http://bob@127.0.0.1:$GITHTTP_PORT/git/proj.git" "$T/c3"
ok "$([ "$rc" -ne 0 ]; echo $?)" \
	"URL user bob, secret for alice: clone fails"
like "$(cat "$T/err")" "is for user 'alice', not 'bob'" \
	"... azkv-askpass refused to send alice's password for bob"
: >"$AZKV_CONFIG"

# ---- wrong password: git fails, nothing cloned ----------------------------------
openssl rand -hex 8 | tr -d '\n' >"$T/wrong"
json_secret alice "$T/wrong" | emu_ctl secret-set "$NAME" - >/dev/null
g clone -q "$GITHTTP_URL/proj.git" "$T/c4"
ok "$([ "$rc" -ne 0 ]; echo $?)" "wrong password in the vault: clone fails"
like "$(cat "$T/err")" 'Authentication failed' "... git says authentication failed"
ok "$([ ! -e "$T/c4/README" ]; echo $?)" "... nothing was checked out"

# ---- missing secret: askpass exits non-zero, git does not hang --------------------
emu_ctl secret-delete "$NAME" >/dev/null 2>&1 ||
	emu_ctl reset >/dev/null
g clone -q "$GITHTTP_URL/proj.git" "$T/c5"
ok "$([ "$rc" -ne 0 ]; echo $?)" "no secret: clone fails"
like "$(cat "$T/err")" 'unable to read askpass response' \
	"... git reports that askpass gave no answer"

# the access log is complete once lighttpd has stopped
githttp_stop
grep -q '^401 - GET /git/proj.git/info/refs' "$GITHTTP_ACCESS_LOG"
ok "$?" "the server first refused git without credentials (401)"
grep -q '^200 alice GET /git/proj.git/info/refs' "$GITHTTP_ACCESS_LOG"
ok "$?" "... then served user alice (200)"
grep -q '^200 alice POST /git/proj.git/git-receive-pack' "$GITHTTP_ACCESS_LOG"
ok "$?" "... and took alice's push"

done_testing
