#!/bin/sh
# t0410-git-http.sh: real git against lighttpd + git http-backend with Basic
# auth on 127.0.0.1: clone, push and fetch with only credential.helper set,
# in mapped and in store mode; a wrong password fails cleanly.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"
. "$top_srcdir/tests/integration/gitcred.sh"

LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)
[ -x "$LIGHTTPD" ] || skip_all "lighttpd not installed (scripts/install-deps)"
command -v git >/dev/null || skip_all "git not installed"
backend=$(git --exec-path)/git-http-backend
[ -x "$backend" ] || skip_all "no git-http-backend at $backend"
command -v curl >/dev/null || skip_all "curl not installed"

emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env

# ---- the server ------------------------------------------------------------------
port=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
mkdir -p "$T/www" "$T/repos"
# Server-side password file (the server's business, not the client's).
printf 'tester:%s\n' "$(openssl passwd -apr1 's3cret-pw')" >"$T/htpasswd"
cat >"$T/lighttpd.conf" <<EOF
server.modules = ( "mod_access", "mod_alias", "mod_auth", "mod_authn_file",
		   "mod_cgi", "mod_setenv" )
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$T/lighttpd.err"
alias.url = ( "/git" => "$backend" )
\$HTTP["url"] =~ "^/git" {
	cgi.assign = ( "" => "" )
	setenv.set-environment = ( "GIT_PROJECT_ROOT" => "$T/repos",
				   "GIT_HTTP_EXPORT_ALL" => "1",
				   "PATH" => "/usr/bin:/bin" )
	auth.backend = "htpasswd"
	auth.backend.htpasswd.userfile = "$T/htpasswd"
	auth.require = ( "/git" => ( "method" => "basic", "realm" => "git",
				     "require" => "valid-user" ) )
}
EOF
"$LIGHTTPD" -D -f "$T/lighttpd.conf" >"$T/lighttpd.out" 2>&1 &
lighttpd_pid=$!
track_pid "$lighttpd_pid"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/"; do
	i=$((i + 1))
	if [ $i -gt 50 ] || ! kill -0 "$lighttpd_pid" 2>/dev/null; then
		diag "lighttpd did not start:"
		sed 's/^/#   /' "$T/lighttpd.out" "$T/lighttpd.err" 2>/dev/null
		echo "Bail out! lighttpd did not start"
		exit 1
	fi
	sleep 0.1
done
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/git/repo.git/info/refs?service=git-upload-pack")
is "$code" 401 "server asks for Basic auth"

# A bare repository with one commit.
git init -q --bare "$T/repos/repo.git"
git -C "$T/repos/repo.git" config http.receivepack true
git init -q "$T/seed"
echo one >"$T/seed/file"
git -C "$T/seed" add file
git -C "$T/seed" -c user.name=seed -c user.email=seed@example.com commit -q -m one
git -C "$T/seed" push -q "$T/repos/repo.git" HEAD:refs/heads/main 2>/dev/null
git -C "$T/repos/repo.git" symbolic-ref HEAD refs/heads/main

# ---- the client: nothing but credential.helper -----------------------------------
unset GIT_ASKPASS SSH_ASKPASS GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT
GIT_CONFIG_NOSYSTEM=1
GIT_CONFIG_GLOBAL=$T/gitconfig
GIT_TERMINAL_PROMPT=0
GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=tester@example.com
GIT_COMMITTER_NAME=tester GIT_COMMITTER_EMAIL=tester@example.com
export GIT_CONFIG_NOSYSTEM GIT_CONFIG_GLOBAL GIT_TERMINAL_PROMPT \
	GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
url=http://127.0.0.1:$port/git/repo.git

# git_bounded DIR-OR-- ARGS...: run git with a hard bound, output in $T/git.out.
git_bounded() {
	timeout 60 git "$@" >"$T/git.out" 2>&1
}

# round_trip LABEL: clone, commit + push, fetch from a second clone.
round_trip() {
	rm -rf "$T/c1" "$T/c2"
	git_bounded clone -q "$url" "$T/c1"
	ok $? "$1: clone"
	[ -d "$T/c1/.git" ] || { diag "$(cat "$T/git.out")"; return; }
	echo "$1" >"$T/c1/file"
	git -C "$T/c1" commit -q -am "$1"
	git_bounded -C "$T/c1" push -q origin HEAD:main
	ok $? "$1: push"
	git_bounded clone -q "$url" "$T/c2" && echo more >>"$T/c1/file" &&
		git -C "$T/c1" commit -q -am "$1 more" &&
		git_bounded -C "$T/c1" push -q origin HEAD:main &&
		git_bounded -C "$T/c2" fetch -q origin
	ok $? "$1: fetch"
	is "$(git -C "$T/c2" log -1 --format=%s origin/main)" "$1 more" "$1: fetched the new commit"
}

# no_password_on_disk LABEL: the password is in no client-side file.
no_password_on_disk() {
	found=$(grep -rl 's3cret-pw' "$T/gitconfig" "$HOME" "$T/c1" "$T/c2" "$XDG_RUNTIME_DIR" 2>/dev/null)
	is "$found" "" "$1: no password on disk"
}

# ---- mapped mode -------------------------------------------------------------------
emu_ctl secret-set git-pw 's3cret-pw' >/dev/null
git config --global credential.helper "azkv --secret git-pw --username tester"
round_trip mapped
no_password_on_disk mapped

# JSON secret with username and password, helper named by absolute path.
emu_ctl secret-set git-userpw '{"username":"tester","password":"s3cret-pw"}' >/dev/null
git config --global credential.helper "$top_builddir/git-credential-azkv --secret git-userpw"
rm -rf "$T/c3"
git_bounded clone -q "$url" "$T/c3"
ok $? "mapped JSON secret, helper by absolute path: clone"

# Wrong password in the vault: git fails, no prompt, no hang, secret kept.
emu_ctl secret-set git-pw 'wrong-pw' >/dev/null
git config --global credential.helper "azkv --secret git-pw --username tester"
versions=$(gc_show git-pw versions)
emu_ctl clear-log
rm -rf "$T/c4"
git_bounded clone -q "$url" "$T/c4"
rc=$?
ok $((rc == 0 || rc == 124)) "wrong password: git fails (exit $rc), within the bound"
like "$(cat "$T/git.out")" 'Authentication failed|terminal prompts disabled|401' "wrong password: git says why"
is "$(gc_count PUT)/$(gc_count DELETE)" "0/0" "wrong password: helper erase wrote nothing"
is "$(gc_show git-pw versions)/$(gc_show git-pw deleted)/$(gc_show git-pw value)" \
	"$versions/False/wrong-pw" "wrong password: mapped secret intact"

# ---- store mode --------------------------------------------------------------------
git config --global credential.helper azkv
rm -rf "$T/c1"
git_bounded clone -q "$url" "$T/c1"
rc=$?
ok $((rc == 0 || rc == 124)) "store mode, empty store: clone fails cleanly"
name=$(gc_name http "127.0.0.1:$port")
is "$(gc_show "$name" versions)" none "store mode: nothing stored by a failure"

# Seed the store as a user would (git credential approve runs helper store).
printf 'protocol=http\nhost=127.0.0.1:%s\nusername=tester\npassword=s3cret-pw\n' "$port" |
	timeout 60 git credential approve
is "$(gc_show "$name" versions)" 1 "store mode: git credential approve stored it"
emu_ctl clear-log
round_trip store
is "$(gc_count PUT)" 0 "store mode: git's store after each success wrote nothing"
no_password_on_disk store

# Wrong password in the store: git rejects it and the helper erases the entry.
printf 'protocol=http\nhost=127.0.0.1:%s\nusername=tester\npassword=stale-pw\n' "$port" |
	timeout 60 git credential approve
rm -rf "$T/c5"
git_bounded clone -q "$url" "$T/c5"
rc=$?
ok $((rc == 0 || rc == 124)) "store mode, wrong password: git fails cleanly"
is "$(gc_show "$name" value)" \
	"{\"version\":1,\"protocol\":\"http\",\"host\":\"127.0.0.1:$port\",\"entries\":[]}" \
	"store mode, wrong password: entry erased, secret kept"
is "$(gc_show "$name" deleted)" False "store mode: secret never deleted"

done_testing
