#!/bin/sh
# t0103: Azure Arc's 401 "Basic realm=" key-file dance and every check on
# the key file. The real /var/opt/azcmagent/tokens is used: as root the test
# runs in a private mount namespace with a tmpfs on /var/opt.
if [ "$(id -u)" -eq 0 ] && [ -z "${AZKV_T0103_NS:-}" ] &&
    command -v unshare >/dev/null 2>&1 && [ -d /var/opt ] &&
    unshare -m --propagation private true 2>/dev/null; then
	AZKV_T0103_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"

unset AZKV_IDENTITY AZKV_IDENTITY_SOURCE AZURE_CLIENT_ID AZKV_CONFIG \
	AZKV_TIMEOUT AZKV_DEBUG IDENTITY_HEADER MSI_ENDPOINT MSI_SECRET \
	AZURE_TENANT_ID AZURE_FEDERATED_TOKEN_FILE AZURE_AUTHORITY_HOST \
	AZURE_POD_IDENTITY_AUTHORITY_HOST XDG_CONFIG_HOME
export AZKV_TOKEN_CACHE=off HOME="$T/home"
mkdir -p "$HOME"
KEYDIR=/var/opt/azcmagent/tokens
ns=no
if [ -n "${AZKV_T0103_NS:-}" ] && mount -t tmpfs -o mode=755 tmpfs /var/opt; then
	mkdir -p "$KEYDIR" && chmod 700 "$KEYDIR" && ns=yes
fi

# A minimal Arc HIMDS: 401 with the challenge in $T/challenge, then 200
# when "Authorization: Basic <contents of $T/expect>" is sent.
cat >"$T/arc.py" <<'EOF'
import http.server, json, os, sys
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
	def log_message(self, *a):
		pass
	def do_GET(self):
		auth = self.headers.get("Authorization")
		with open(os.path.join(d, "arc.log"), "a") as f:
			f.write(json.dumps({"path": self.path, "auth": auth,
			    "metadata": self.headers.get("Metadata")}) + "\n")
		if self.headers.get("Metadata") != "true":
			return self.reply(400, {"error": "invalid_request"})
		if auth is None:
			ch = open(os.path.join(d, "challenge")).read()
			return self.reply(401, {"error": "unauthorized"}, ch)
		want = "Basic " + open(os.path.join(d, "expect")).read()
		if auth != want:
			return self.reply(401, {"error": "invalid key"})
		self.reply(200, {"access_token": "arc.token.ok", "expires_in": "3600",
		    "token_type": "Bearer", "resource": "https://vault.azure.net"})
	def reply(self, status, obj, challenge=None):
		body = json.dumps(obj).encode()
		self.send_response(status)
		if challenge is not None:
			self.send_header("WWW-Authenticate", challenge)
		self.send_header("Content-Type", "application/json")
		self.send_header("Content-Length", str(len(body)))
		self.end_headers()
		self.wfile.write(body)
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(os.path.join(d, "port.tmp"), "w").write(str(s.server_address[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
s.serve_forever()
EOF
"$PYTHON3" "$T/arc.py" "$T" &
track_pid $!
wait_for_file "$T/port" || { echo "Bail out! arc stub did not start"; exit 1; }
PORT=$(cat "$T/port")
export IDENTITY_ENDPOINT="http://127.0.0.1:$PORT/metadata/identity/oauth2/token"
export IMDS_ENDPOINT="http://127.0.0.1:$PORT"

AZKV=$top_builddir/azkv
run() {
	"$AZKV" "$@" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}
# challenge PATH-OR-HEADER: what the stub's 401 says
challenge() { printf '%s' "$1" >"$T/challenge"; : >"$T/arc.log"; }
auths() { grep -c '"auth": "Basic' "$T/arc.log"; }
printf 'k3y-material' >"$T/expect"

# --- checks that need no root ---------------------------------------------------
mkdir -p "$T/keys"
printf 'k3y-material' >"$T/keys/a.key"
challenge "Basic realm=$T/keys/a.key"
run token
is "$rc" 1 "key file outside $KEYDIR: refused"
like "$err" "not in $KEYDIR" "outside the key directory: says why"
is "$(auths)" 0 "outside the key directory: the key is never sent"

challenge "Basic realm=$KEYDIR/a.key=x"
run token
is "$rc" 1 "challenge with two '=': refused"
like "$err" "more than one '='" "two '=': says why"

challenge "Bearer realm=$KEYDIR/a.key"
run token
is "$rc" 1 "challenge that is not Basic realm=: refused"
like "$err" "Basic realm=" "not Basic: says why"

challenge "Basic realm=$KEYDIR/../../../../$T/keys/a.key"
run token
is "$rc" 1 "path escaping the key directory: refused"
is "$(auths)" 0 "path escape: the key is never sent"

run --identity 11111111-2222-3333-4444-555555555555 token
is "$rc" 2 "user-assigned identity on Arc: exit 2"
like "$err" "Azure Arc does not support user-assigned" "user-assigned on Arc: says why"

run doctor
like "$(cat "$T/out" "$T/err")" "arc|Arc" "doctor reports the Arc source"

# --- the real key directory ---------------------------------------------------------
if [ "$ns" != yes ]; then
	i=0
	while [ $i -lt 22 ]; do
		skip "Arc key files in $KEYDIR need root (private mount namespace)"
		i=$((i + 1))
	done
	done_testing
	exit $?
fi

printf 'k3y-material' >"$KEYDIR/good.key"
chmod 600 "$KEYDIR/good.key"
challenge "Basic realm=$KEYDIR/good.key"
run token
is "$rc" 0 "valid key file: exit 0"
is "$out" "arc.token.ok" "valid key file: the Arc token"
is "$(auths)" 1 "valid key file: one request with the key"
like "$(head -n 1 "$T/arc.log")" '"auth": null' "first request has no Authorization"
like "$(tail -n 1 "$T/arc.log")" '"auth": "Basic k3y-material"' "second sends Basic <file contents>"
like "$(tail -n 1 "$T/arc.log")" '"metadata": "true"' "Metadata: true on the keyed request"
like "$(head -n 1 "$T/arc.log")" 'api-version=2020-06-01' "api-version 2020-06-01"

printf 'k3y-material\n' >"$KEYDIR/nl.key"
challenge "Basic realm=$KEYDIR/nl.key"
run token
is "$rc" 0 "key file with a trailing newline: exit 0"

printf 'k3y-material' >"$KEYDIR/bad.txt"
challenge "Basic realm=$KEYDIR/bad.txt"
run token
is "$rc" 1 "key file not named .key: refused"
is "$(auths)" 0 "not .key: the key is never sent"

head -c 4097 /dev/zero | tr '\0' 'k' >"$KEYDIR/big.key"
challenge "Basic realm=$KEYDIR/big.key"
run token
is "$rc" 1 "key file over 4096 bytes: refused"
like "$err" "larger than 4096" "over 4096 bytes: says why"

head -c 4096 /dev/zero | tr '\0' 'k' >"$KEYDIR/max.key"
cp "$KEYDIR/max.key" "$T/expect"
challenge "Basic realm=$KEYDIR/max.key"
run token
is "$rc" 0 "key file of exactly 4096 bytes: accepted"
printf 'k3y-material' >"$T/expect"

ln -s "$KEYDIR/good.key" "$KEYDIR/link.key"
challenge "Basic realm=$KEYDIR/link.key"
run token
is "$rc" 1 "symlinked key file: refused"

mkfifo "$KEYDIR/fifo.key"
challenge "Basic realm=$KEYDIR/fifo.key"
run --timeout 5 token
is "$rc" 1 "FIFO key file: refused (no hang)"

printf 'wrong' >"$KEYDIR/wrong.key"
challenge "Basic realm=$KEYDIR/wrong.key"
run token
is "$rc" 4 "key the agent does not accept: exit 4"

challenge "Basic realm=$KEYDIR/missing.key"
run token
is "$rc" 1 "missing key file: exit 1"

# The emulator's Arc agent writing its keys to the real directory.
if emu_start --arc-key-dir "$KEYDIR"; then
	emu_env
	export IDENTITY_ENDPOINT="$EMU_ARC_ENDPOINT" IMDS_ENDPOINT="$EMU_ARC_IMDS_ENDPOINT"
	unset AZURE_POD_IDENTITY_AUTHORITY_HOST
	run token
	is "$rc" 0 "emulator Arc: exit 0"
	is "$(emu_ctl count arc)" 2 "emulator Arc: challenge, then the keyed request"
	is "$(emu_ctl count imds)" 0 "emulator Arc: IMDS not asked"
	emu_ctl secret-set t0103 'v-0103' >/dev/null
	run get t0103
	is "$out" "v-0103" "emulator Arc: azkv get"
	like "$(emu_ctl log arc | sed -n 2p)" '"authorization": ?"basic"' \
		"emulator Arc: the second request carries the key"
else
	i=0
	while [ $i -lt 5 ]; do skip "emulator did not start"; i=$((i + 1)); done
fi

done_testing
