#!/bin/sh
# azkv-sftp against a real OpenSSH sshd: key auth from the vault, content,
# overwrite, trees, --mkdir, --streams, --resume, modes, bad input.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/sftp.sh"
[ -x /usr/sbin/sshd ] || skip_all "/usr/sbin/sshd not installed"
sftp_setup
dst="$SFTP_USER@127.0.0.1:$R"

# --- key auth, both key secrets
printf 'hello\n' >"$L/hello.txt"
sftp_up --key-secret sshkey "$L/hello.txt" "$dst/"
is "$RC" 0 "key from the vault: exit 0"
is "$(cat "$R/hello.txt" 2>/dev/null)" hello "key from the vault: uploaded"
like "$OUT" "hello.txt -> $R/hello.txt" "one-line summary"
unlike "$OUT" "OPENSSH PRIVATE KEY|open sesame" "no secret in the output"

sftp_up --key-secret sshkey-enc --passphrase-secret sshkey-pass \
	"$L/hello.txt" "$dst/enc.txt"
is "$RC" 0 "passphrase-protected key: exit 0"
is "$(cat "$R/enc.txt" 2>/dev/null)" hello "passphrase-protected key: uploaded"

sftp_up --key-secret sshkey-enc "$L/hello.txt" "$dst/noenc.txt"
is "$RC" 4 "encrypted key without its passphrase: exit 4"
ok "$([ ! -e "$R/noenc.txt" ]; echo $?)" "nothing uploaded"

sftp_up -i "$SSHD_CLIENT_KEY" "$L/hello.txt" "sftp://$SFTP_USER@127.0.0.1:$SSHD_PORT$R/url.txt"
is "$RC" 0 "-i FILE and an sftp:// URL: exit 0"
is "$(cat "$R/url.txt" 2>/dev/null)" hello "-i FILE: uploaded"

sftp_up -i "$T/enc_key" --passphrase-secret sshkey-pass "$L/hello.txt" "$dst/encfile.txt"
is "$RC" 0 "-i FILE with --passphrase-secret: exit 0"
is "$(cat "$R/encfile.txt" 2>/dev/null)" hello "-i FILE with --passphrase-secret: uploaded"

# a key whose line breaks a secret store flattened into spaces
tr '\n' ' ' <"$SSHD_CLIENT_KEY" | emu_ctl secret-set flatkey - >/dev/null
sftp_up --key-secret flatkey "$L/hello.txt" "$dst/flat.txt"
is "$RC" 0 "key with flattened line breaks is normalised"

# --- credentials that cannot log in: clear errors, nothing uploaded
emu_ctl secret-set notakey 'just a password' >/dev/null
sftp_up --key-secret notakey "$L/hello.txt" "$dst/notakey.txt"
is "$RC" 4 "a key secret that holds no key: exit 4"
like "$OUT" "secret 'notakey' is not a usable private key" "a key secret that holds no key: says so"
unlike "$OUT" "just a password" "a key secret that holds no key: its value is not printed"
sftp_up --key-secret no-such-key "$L/hello.txt" "$dst/nokey.txt"
is "$RC" 3 "a key secret that does not exist: exit 3"
like "$OUT" "no-such-key" "a key secret that does not exist: named"
emu_ctl secret-set somepw 'pw-value-1' >/dev/null
sftp_up --secret somepw "$L/hello.txt" "$dst/pw.txt"
is "$RC" 4 "a password for a key-only server: exit 4"
like "$OUT" "accepts neither password nor keyboard-interactive logins \\(it offers publickey\\)" \
	"a password for a key-only server: names what the server offers"
ok "$([ ! -e "$R/notakey.txt" ] && [ ! -e "$R/nokey.txt" ] && [ ! -e "$R/pw.txt" ]; echo $?)" \
	"credentials that cannot log in: nothing uploaded"

# --- content: sizes around the 30000-byte SFTP packet
for n in 0 1 29999 30000 30001 2400000 5000001; do
	head -c "$n" /dev/urandom >"$L/f$n"
	sftp_up -q --key-secret sshkey "$L/f$n" "$dst/"
	is "$RC" 0 "$n bytes: exit 0"
	is "$(sha "$R/f$n" 2>/dev/null)" "$(sha "$L/f$n")" "$n bytes: same sha256"
done
is "$(ls -a "$R" | grep -c 'azkv-')" 0 "no temporary files left behind"

# several sources in one connection
logins=$(grep -c 'Accepted publickey' "$SSHD_LOG")
sftp_up -q --key-secret sshkey "$L/f0" "$L/f1" "$L/f29999" "$dst/several/"
is "$RC" 1 "several sources into a missing directory: exit 1"
mkdir "$R/several"
sftp_up -q --key-secret sshkey "$L/f0" "$L/f1" "$L/f29999" "$dst/several"
is "$RC" 0 "several sources: exit 0"
is "$(ls "$R/several" | tr '\n' ' ')" "f0 f1 f29999 " "several sources: all there"
is "$(grep -c 'Accepted publickey' "$SSHD_LOG")" "$((logins + 2))" "several sources: one login each run"

# --- overwrite an existing target (SFTPv3 rename does not replace)
printf 'old contents\n' >"$R/over.txt"
head -c 70000 /dev/urandom >"$L/over.txt"
sftp_up --key-secret sshkey "$L/over.txt" "$dst/over.txt"
is "$RC" 0 "overwrite: exit 0"
is "$(sha "$R/over.txt")" "$(sha "$L/over.txt")" "overwrite: new contents"
is "$(ls -a "$R" | grep -c 'azkv-')" 0 "overwrite: no side files left"

# --- directory trees
mkdir -p "$L/tree/a/b" "$L/tree/empty"
printf 1 >"$L/tree/one"
head -c 45000 /dev/urandom >"$L/tree/a/two"
head -c 0 /dev/urandom >"$L/tree/a/b/three"
sftp_up --key-secret sshkey "$L/tree" "$dst/"
is "$RC" 2 "a directory without -r: usage error"
sftp_up -r -q --key-secret sshkey "$L/tree" "$dst/"
is "$RC" 0 "-r: exit 0"
is "$(cd "$L/tree" && find . | sort | xargs -n1 sh -c 'if [ -f "$0" ]; then sha256sum "$0"; else echo "$0"; fi')" \
   "$(cd "$R/tree" 2>/dev/null && find . | sort | xargs -n1 sh -c 'if [ -f "$0" ]; then sha256sum "$0"; else echo "$0"; fi')" \
   "-r: the tree is identical"
sftp_up -r -q --key-secret sshkey "$L/tree" "$dst/copy"
is "$RC" 0 "-r to a new name: exit 0"
is "$(cat "$R/copy/one" 2>/dev/null)" 1 "-r to a new name: tree renamed like cp -r"
touch -d '2002-03-04 05:06:07' "$L/tree/a"
touch -d '2003-04-05 06:07:08' "$L/tree"
sftp_up -r -p -q --key-secret sshkey "$L/tree" "$dst/ptree"
is "$RC" 0 "-rp: exit 0"
is "$(stat -c %Y "$R/ptree/a")" "$(stat -c %Y "$L/tree/a")" "-rp keeps a directory's mtime"
is "$(stat -c %Y "$R/ptree")" "$(stat -c %Y "$L/tree")" "-rp keeps the top directory's mtime"

# --- missing directories
sftp_up --key-secret sshkey "$L/hello.txt" "$dst/no/such/dir/"
is "$RC" 1 "missing remote directory: exit 1"
like "$OUT" "does not exist|no such file" "missing remote directory: says so"
sftp_up --key-secret sshkey "$L/hello.txt" "$dst/no/such/file.txt"
is "$RC" 1 "missing parent directory: exit 1"
like "$OUT" "no such file" "missing parent directory: SFTP status named"
sftp_up --mkdir --key-secret sshkey "$L/hello.txt" "$dst/made/by/mkdir/"
is "$RC" 0 "--mkdir: exit 0"
is "$(cat "$R/made/by/mkdir/hello.txt" 2>/dev/null)" hello "--mkdir: uploaded"
sftp_up --mkdir --key-secret sshkey "$L/hello.txt" "$dst/made2/x/named.txt"
is "$RC" 0 "--mkdir with a file name: exit 0"
is "$(cat "$R/made2/x/named.txt" 2>/dev/null)" hello "--mkdir with a file name: uploaded"

# --- modes and times
chmod 640 "$L/hello.txt"
touch -d '2001-02-03 04:05:06' "$L/hello.txt"
sftp_up -p --key-secret sshkey "$L/hello.txt" "$dst/p.txt"
is "$RC" 0 "-p: exit 0"
is "$(stat -c '%a %Y' "$R/p.txt")" "$(stat -c '%a %Y' "$L/hello.txt")" "-p keeps mode and mtime"
sftp_up --mode 600 --key-secret sshkey "$L/hello.txt" "$dst/m.txt"
is "$(stat -c %a "$R/m.txt")" 600 "--mode 600"

# --- --streams 4 on a file large enough for four streams
head -c $((40 * 1024 * 1024 + 12345)) /dev/urandom >"$L/big"
sftp_up -v --streams 4 --key-secret sshkey "$L/big" "$dst/"
is "$RC" 0 "--streams 4: exit 0"
is "$(sha "$R/big")" "$(sha "$L/big")" "--streams 4: same sha256"
like "$OUT" "4 streams" "--streams 4: four streams used"

# --- --resume continues a partial temporary file
head -c 1000000 "$L/big" >"$R/.big2.azkv-resume.part"
cp "$L/big" "$L/big2"
sftp_up -v --resume --key-secret sshkey "$L/big2" "$dst/"
is "$RC" 0 "--resume: exit 0"
like "$OUT" "resuming .* at 1000000 " "--resume: continued at the partial size"
is "$(sha "$R/big2")" "$(sha "$L/big2")" "--resume: same sha256"
ok "$([ ! -e "$R/.big2.azkv-resume.part" ]; echo $?)" "--resume: part file renamed"
head -c 1000000 /dev/urandom >"$R/.big2.azkv-resume.part"
sftp_up --resume --key-secret sshkey "$L/big2" "$dst/"
is "$RC" 0 "--resume over a foreign part file: exit 0"
like "$OUT" "does not continue .*starting over" "--resume: a part file of other contents is not continued"
is "$(sha "$R/big2")" "$(sha "$L/big2")" "--resume over a foreign part file: same sha256"

# --- --no-atomic writes the target directly
sftp_up -v --no-atomic --key-secret sshkey "$L/f30001" "$dst/na"
is "$RC" 0 "--no-atomic: exit 0"
is "$(sha "$R/na")" "$(sha "$L/f30001")" "--no-atomic: same sha256"

# --- settings from a [sftp "host"] config section, no flags
cat >"$T/azkv.conf" <<EOF
[sftp "127.0.0.1"]
	key-secret = sshkey
	user = $SFTP_USER
	port = $SSHD_PORT
	known-hosts = $SSHD_KNOWN_HOSTS
EOF
OUT=$(azkv-sftp --config "$T/azkv.conf" "$L/f1" "127.0.0.1:$R/cfg" 2>&1)
is "$?" 0 "[sftp host] config section: exit 0"
is "$(sha "$R/cfg" 2>/dev/null)" "$(sha "$L/f1")" "[sftp host] config section: uploaded"

# --- bad input fails before connecting
before=$(grep -c 'Connection from' "$SSHD_LOG")
sftp_up --key-secret sshkey /dev/null "$dst/"
is "$RC" 1 "a device as source: exit 1"
like "$OUT" "not a regular file" "a device as source: says so"
sftp_up --key-secret sshkey "$L/missing" "$dst/"
is "$RC" 1 "missing local file: exit 1"
like "$OUT" "missing: No such file" "missing local file: named"
sftp_up --key-secret sshkey "$L/hello.txt" "127.0.0.1"
is "$RC" 2 "bad destination syntax: exit 2"
sftp_up --key-secret sshkey "$L/hello.txt" "sftp://127.0.0.1:99999/x"
is "$RC" 2 "bad port in the URL: exit 2"
sftp_up --key-secret 'bad name!' "$L/hello.txt" "$dst/"
is "$RC" 2 "bad secret name: exit 2"
sftp_up "$L/hello.txt" "$dst/"
is "$RC" 2 "no credential: exit 2"
# option values are checked before anything else: exit 2, named
bad_opt() {	# bad_opt DESCRIPTION PATTERN ARGS...
	bo_what=$1 bo_pat=$2
	shift 2
	sftp_up "$@"
	is "$RC" 2 "$bo_what: exit 2"
	like "$OUT" "$bo_pat" "$bo_what: says so"
}
bad_opt "-P 0" "bad port '0'" -P 0 --key-secret sshkey "$L/hello.txt" "$dst/"
bad_opt "--mode 9" "bad --mode '9' \\(want octal\\)" --mode 9 --key-secret sshkey "$L/hello.txt" "$dst/"
bad_opt "--streams 0" "bad --streams '0'" --streams 0 --key-secret sshkey "$L/hello.txt" "$dst/"
bad_opt "--streams 1000" "bad --streams '1000'" --streams 1000 --key-secret sshkey "$L/hello.txt" "$dst/"
bad_opt "--timeout 5s" "bad --timeout '5s'" --timeout 5s --key-secret sshkey "$L/hello.txt" "$dst/"
bad_opt "only a DEST" "need at least one SOURCE and a DEST" --key-secret sshkey "$dst/"
bad_opt "--passphrase-secret with a password" "--passphrase-secret needs --key-secret or -i" \
	--secret sshkey-pass --passphrase-secret sshkey-pass "$L/hello.txt" "$dst/"
bad_opt "a missing -i file" "cannot read $T/no-such-key: No such file" \
	-i "$T/no-such-key" "$L/hello.txt" "$dst/"
bad_opt "--host-key without SHA256:" "--host-key wants SHA256:" \
	--host-key MD5:00 --key-secret sshkey "$L/hello.txt" "$dst/"
bad_opt "source '.'" "\\.: give the directory by its name" -r --key-secret sshkey . "$dst/"
bad_opt "source 'dir/..'" "\\.\\.: give the directory by its name" -r --key-secret sshkey "$L/.." "$dst/"
OUT=$(env -u AZKV_VAULT azkv-sftp --known-hosts "$SSHD_KNOWN_HOSTS" -P "$SSHD_PORT" \
	--no-progress --key-secret sshkey "$L/hello.txt" "$dst/" 2>&1)
is "$?" 2 "a secret name and no vault: exit 2"
like "$OUT" "no vault: give --vault or set AZKV_VAULT" "a secret name and no vault: says so"
OUT=$(azkv-sftp -h 2>/dev/null)
is "$?" 0 "-h: exit 0"
like "$OUT" "^usage: azkv-sftp" "-h: usage on stdout"
OUT=$(azkv-sftp --version 2>/dev/null)
is "$?" 0 "--version: exit 0"
like "$OUT" "^azkv-sftp [0-9]" "--version: names the program and its version"
OUT=$(azkv-sftp --no-such-option 2>&1 >/dev/null)
is "$?" 2 "an unknown option: exit 2"
like "$OUT" "usage: azkv-sftp" "an unknown option: usage on stderr"
if [ "$(id -u)" -ne 0 ]; then
	printf x >"$L/unreadable"; chmod 000 "$L/unreadable"
	sftp_up --key-secret sshkey "$L/unreadable" "$dst/"
	is "$RC" 1 "unreadable local file: exit 1"
	like "$OUT" "cannot read $L/unreadable: Permission denied" "unreadable local file: named"
elif command -v setpriv >/dev/null &&
    setpriv --reuid=65534 --regid=65534 --clear-groups -- \
    azkv-sftp --version >/dev/null 2>&1; then
	# root reads everything: run this one as nobody, the file in a
	# directory nobody may enter but not list
	unr=$(mktemp -d /tmp/azkv-t0600.XXXXXX) && chmod 711 "$unr"
	rm_unr() { rm -rf "$unr"; }
	at_exit rm_unr
	printf x >"$unr/unreadable"; chmod 000 "$unr/unreadable"
	OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		env -u AZKV_CONFIG HOME=/nonexistent azkv-sftp --no-progress \
		--key-secret sshkey "$unr/unreadable" "$dst/" 2>&1)
	is "$?" 1 "unreadable local file (as nobody): exit 1"
	like "$OUT" "cannot read $unr/unreadable: Permission denied" \
		"unreadable local file (as nobody): named"
else
	skip "unreadable file: root reads everything, and nobody cannot run this build (or no setpriv)"
	skip "unreadable file: named"
fi
is "$(grep -c 'Connection from' "$SSHD_LOG")" "$before" "bad input: no connection made"

done_testing
