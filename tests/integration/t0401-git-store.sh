#!/bin/sh
# t0401-git-store.sh: git-credential-azkv store mode: one secret per
# (protocol, host), git's credential_match rules, no needless writes,
# erase by new version, concurrent stores.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"
. "$top_srcdir/tests/integration/gitcred.sh"

emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
name=$(gc_name https example.com)

gc_check "empty vault: get misses silently" 0 get <<EOF
protocol=https
host=example.com
--
--
EOF
gc_check "erase on an empty vault: silent" 0 erase <<EOF
protocol=https
host=example.com
--
--
EOF
is "$(gc_count PUT)" 0 "nothing written for a miss"

gc_check "store" 0 store <<EOF
protocol=https
host=example.com
username=store-user
password=store-pass
--
--
EOF
is "$(gc_show "$name" versions)" 1 "store: one secret version named $name"
is "$(gc_show "$name" tags)" '{"git-credential-azkv": "1", "host": "example.com", "protocol": "https"}' \
	"store: tags carry protocol and host"
is "$(gc_show "$name" contentType)" application/json "store: content type"
is "$(gc_show "$name" value)" \
	'{"version":1,"protocol":"https","host":"example.com","entries":[{"username":"store-user","password":"store-pass"}]}' \
	"store: the document"
emu_ctl clear-log
gc_check "get without username" 0 get <<EOF
protocol=https
host=example.com
--
username=store-user
password=store-pass
--
EOF
is "$(emu_ctl count vault)/$(emu_ctl count imds)" "1/0" \
	"warm store-mode get: one vault request, no identity request"
gc_check "get: protocol must match" 0 get <<EOF
protocol=http
host=example.com
--
--
EOF
gc_check "get: host must match (case too)" 0 get <<EOF
protocol=https
host=Example.com
--
--
EOF
gc_check "get: username must match" 0 get <<EOF
protocol=https
host=example.com
username=other
--
--
EOF

emu_ctl clear-log
gc_check "store the same credential again" 0 store <<EOF
protocol=https
host=example.com
username=store-user
password=store-pass
--
--
EOF
is "$(gc_count PUT)" 0 "unchanged store: no write"
is "$(gc_count GET)" 1 "unchanged store: one read"

gc_check "store with ephemeral=1" 0 store <<EOF
protocol=https
host=example.com
username=eph
password=eph-pass
ephemeral=1
--
--
EOF
gc_check "store an expired credential" 0 store <<EOF
protocol=https
host=example.com
username=old
password=old-pass
password_expiry_utc=1000
--
--
EOF
gc_check "store without a password" 0 store <<EOF
protocol=https
host=example.com
username=nopass
--
--
EOF
is "$(gc_count PUT)" 0 "ephemeral, expired, incomplete: not written"

gc_check "store a second user with expiry and refresh token" 0 store <<EOF
capability[]=authtype
protocol=https
host=example.com
username=user4
password=pass4
password_expiry_utc=9999999999
oauth_refresh_token=xyzzy
--
--
EOF
gc_check "get it back" 0 get <<EOF
protocol=https
host=example.com
username=user4
--
username=user4
password=pass4
password_expiry_utc=9999999999
oauth_refresh_token=xyzzy
--
EOF
gc_check "erase with another password keeps it" 0 erase <<EOF
protocol=https
host=example.com
username=user4
password=wrong
--
--
EOF
gc_check "still there" 0 get <<EOF
protocol=https
host=example.com
username=user4
--
username=user4
password=pass4
password_expiry_utc=9999999999
oauth_refresh_token=xyzzy
--
EOF
emu_ctl clear-log
gc_check "erase user4" 0 erase <<EOF
protocol=https
host=example.com
username=user4
password=pass4
--
--
EOF
is "$(gc_count DELETE)/$(gc_count PUT)" "0/1" "erase: a new version, no DELETE"
gc_check "user4 gone" 0 get <<EOF
protocol=https
host=example.com
username=user4
--
--
EOF
gc_check "forget the host" 0 erase <<EOF
protocol=https
host=example.com
--
--
EOF
gc_check "host forgotten" 0 get <<EOF
protocol=https
host=example.com
--
--
EOF
is "$(gc_show "$name" deleted)" False "erase never deletes the secret"
is "$(gc_show "$name" value)" '{"version":1,"protocol":"https","host":"example.com","entries":[]}' \
	"the secret now holds an empty document"
gc_check "store after erase works (no soft-delete conflict)" 0 store <<EOF
protocol=https
host=example.com
username=again
password=again-pass
--
--
EOF
gc_check "stored again" 0 get <<EOF
protocol=https
host=example.com
--
username=again
password=again-pass
--
EOF

# The cases newer git's t0303 adds (git 2.39's lacks them), run directly.
for u in user-erase1 user-erase2; do
	printf 'protocol=https\nhost=example.com\nusername=%s\npassword=pass1\n' $u |
		git-credential-azkv store
done
gc_check "erases all matching credentials" 0 erase <<EOF
protocol=https
host=example.com
--
--
EOF
gc_check "all gone" 0 get <<EOF
protocol=https
host=example.com
--
--
EOF
printf 'protocol=https\nhost=victim.example.com\nusername=user\npassword=to-be-stolen\n' |
	git-credential-azkv store
long=$("$PYTHON3" -c 'print("a" * 1001, end="")')
gc_check "not confused by a long header" 0 get <<EOF
protocol=https
host=badguy.example.com
wwwauth[]=basic realm=${long}host=victim.example.com
--
--
EOF
gc_check "overwrites when password_expiry_utc changes (store 1)" 0 store <<EOF
protocol=https
host=example.com
username=user-expiry-overwrite
password=pass1
password_expiry_utc=9999999998
--
--
EOF
gc_check "overwrites when password_expiry_utc changes (store 2)" 0 store <<EOF
protocol=https
host=example.com
username=user-expiry-overwrite
password=pass2
password_expiry_utc=9999999999
--
--
EOF
gc_check "overwrites when password_expiry_utc changes (get)" 0 get <<EOF
protocol=https
host=example.com
username=user-expiry-overwrite
--
username=user-expiry-overwrite
password=pass2
password_expiry_utc=9999999999
--
EOF
gc_check "overwrites when password_expiry_utc changes (erase)" 0 erase <<EOF
protocol=https
host=example.com
username=user-expiry-overwrite
password=pass2
--
--
EOF
gc_check "overwrites when password_expiry_utc changes (gone)" 0 get <<EOF
protocol=https
host=example.com
username=user-expiry-overwrite
--
--
EOF

# Paths (credential.useHttpPath) and empty values.
gc_check "store with a path" 0 store <<EOF
protocol=http
host=path.tld
path=foo.git
username=user
password=pass
--
--
EOF
gc_check "other path misses" 0 get <<EOF
protocol=http
host=path.tld
path=bar.git
--
--
EOF
gc_check "same path" 0 get <<EOF
protocol=http
host=path.tld
path=foo.git
--
username=user
password=pass
--
EOF
gc_check "erase without a path removes it" 0 erase <<EOF
protocol=http
host=path.tld
username=user
--
--
EOF
gc_check "gone" 0 get <<EOF
protocol=http
host=path.tld
path=foo.git
--
--
EOF
gc_check "store empty username and password" 0 store <<EOF
protocol=https
host=sso.tld
username=
password=
--
--
EOF
gc_check "get empty username and password" 0 get <<EOF
protocol=https
host=sso.tld
--
username=
password=
--
EOF

# Names: port, case and odd hosts get their own secrets; the prefix.
gc_check "host with a port" 0 store <<EOF
protocol=https
host=Example.COM:8443
username=u
password=port-pass
--
--
EOF
is "$(gc_show "$(gc_name https Example.COM:8443)" versions)" 1 "port and case: own secret"
gc_check "client certificate (empty host)" 0 store <<EOF
protocol=cert
host=
path=/home/u/cert.p12
username=
password=cert-pass
--
--
EOF
gc_check "client certificate back" 0 get <<EOF
protocol=cert
host=
path=/home/u/cert.p12
username=
--
username=
password=cert-pass
--
EOF
gc_check "--prefix" 0 --prefix team-a store <<EOF
protocol=https
host=example.com
username=t
password=team-pass
--
--
EOF
is "$(gc_show "$(gc_name https example.com team-a)" versions)" 1 "--prefix names the secret"
mkdir -p "$HOME/.config/azkv"
printf '[git]\n\tprefix = team-a\n' >"$HOME/.config/azkv/config"
gc_check "[git] prefix" 0 get <<EOF
protocol=https
host=example.com
--
username=t
password=team-pass
--
EOF
rm -f "$HOME/.config/azkv/config"
gc_check "invalid prefix: one line" 2 --prefix 'bad_prefix!' get <<EOF
protocol=https
host=example.com
--
--
~^git-credential-azkv: invalid prefix
EOF
gc_check "non-UTF-8 password: refused clearly" 1 store <<EOF
protocol=https
host=example.com
username=latin1
password=$(printf 'caf\351')
--
--
git-credential-azkv: cannot store the credential: a credential attribute is not valid UTF-8
EOF

# A secret that is not ours is neither used nor overwritten.
other=$(gc_name https foreign.example)
emu_ctl secret-set "$other" 'hunter2' >/dev/null
gc_check "foreign secret: get refuses" 1 get <<EOF
protocol=https
host=foreign.example
--
--
git-credential-azkv: secret '$other' does not hold git credentials (invalid JSON); not touching it
EOF
gc_check "foreign secret: store refuses" 1 store <<EOF
protocol=https
host=foreign.example
username=u
password=p
--
--
git-credential-azkv: secret '$other' does not hold git credentials (invalid JSON); not touching it
EOF
is "$(gc_show "$other" value)" hunter2 "foreign secret untouched"
emu_ctl secret-set "$other" '{"version":1,"protocol":"https","host":"elsewhere","entries":[]}' >/dev/null
gc_check "document for another host: refused" 1 get <<EOF
protocol=https
host=foreign.example
--
--
git-credential-azkv: secret '$other' holds credentials for another host; not touching it
EOF

# The debug log names secrets, never their values.
printf 'protocol=https\nhost=debug.example\nusername=u\npassword=SEKRITpw\noauth_refresh_token=SEKRITtok\n' |
	git-credential-azkv -v store 2>"$T/debug.err"
printf 'protocol=https\nhost=debug.example\n' | git-credential-azkv -v get >"$T/debug.out" 2>>"$T/debug.err"
like "$(cat "$T/debug.err")" "debug: git: writing 1 entries to secret '$(gc_name https debug.example)'" "-v: debug log"
unlike "$(cat "$T/debug.err")" 'SEKRIT' "-v: no password or token in the debug log"
is "$(grep -c SEKRIT "$T/debug.out")" 2 "-v: the answer still on stdout"

# Concurrent stores for one host must not lose an entry.
n=8
i=0
pids=
while [ $i -lt $n ]; do
	printf 'protocol=https\nhost=race.example\nusername=user%d\npassword=pass%d\n' $i $i |
		git-credential-azkv store >"$T/race.$i.out" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
is "$fails" 0 "$n parallel stores succeed"
is "$(cat "$T"/race.*.out)" "" "parallel stores print nothing"
race=$(gc_name https race.example)
got=$(gc_show "$race" value | "$PYTHON3" -c 'import json,sys; print(" ".join(sorted(e["username"] for e in json.load(sys.stdin)["entries"])))')
is "$got" "user0 user1 user2 user3 user4 user5 user6 user7" "no entry lost"
is "$(gc_show "$race" versions)" $n "one version per store"
is "$(stat -c %a "$XDG_RUNTIME_DIR/azkv/$race.lock" 2>&1)/$(stat -c %a "$XDG_RUNTIME_DIR/azkv")" \
	"600/700" "lock file in the private runtime dir"

done_testing
