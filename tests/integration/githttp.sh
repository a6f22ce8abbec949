# githttp.sh: git smart HTTP with Basic auth on 127.0.0.1 (lighttpd + git
# http-backend) for integration tests. Source after lib.sh:
#   . "$top_srcdir/tests/integration/githttp.sh"
#
#   githttp_user_add NAME        a Basic-auth user; password on stdin
#   githttp_repo NAME            a bare repository NAME.git with one commit
#   githttp_start                start lighttpd (stopped at exit), wait
#   githttp_stop                 stop it by PID
#   githttp_can_run              0 when lighttpd and git http-backend exist,
#                                else 1 with the reason in $GITHTTP_SKIP
#
# After githttp_start: GITHTTP_URL (http://127.0.0.1:PORT/git, so a repo is
# $GITHTTP_URL/NAME.git), GITHTTP_PORT, GITHTTP_PID, GITHTTP_DIR,
# GITHTTP_LOG (lighttpd error log), GITHTTP_ACCESS_LOG (one line per
# request: status, user, method, URL; lighttpd writes it in batches, so it
# is complete only after githttp_stop). Every URL under /git/ needs a valid
# user, reads and pushes alike. Passwords are kept in a "plain" lighttpd
# user file inside the test's private $T.

GITHTTP_PID=
GITHTTP_DIR=
GITHTTP_LIGHTTPD=/usr/sbin/lighttpd
GITHTTP_BACKEND=
GITHTTP_SKIP=

githttp_can_run() {
	GITHTTP_BACKEND=$(git --exec-path 2>/dev/null)/git-http-backend
	if [ ! -x "$GITHTTP_LIGHTTPD" ]; then
		GITHTTP_SKIP="$GITHTTP_LIGHTTPD not installed"
	elif [ ! -x "$GITHTTP_BACKEND" ]; then
		GITHTTP_SKIP="git http-backend not found"
	elif [ ! -f /usr/lib/lighttpd/mod_authn_file.so ] &&
	    [ ! -f /usr/lib64/lighttpd/mod_authn_file.so ]; then
		GITHTTP_SKIP="lighttpd mod_authn_file not installed"
	else
		return 0
	fi
	return 1
}

githttp_dir_() {
	if [ -z "$GITHTTP_DIR" ]; then
		GITHTTP_DIR=$T/githttp
		mkdir -p "$GITHTTP_DIR/repos" && chmod 700 "$GITHTTP_DIR" &&
		touch "$GITHTTP_DIR/users" && chmod 600 "$GITHTTP_DIR/users"
	fi
}

# githttp_user_add NAME: add a user; the password is the first line of stdin.
githttp_user_add() {
	githttp_dir_
	githttp_pw_=$(head -n 1) || return 1
	printf '%s:%s\n' "$1" "$githttp_pw_" >>"$GITHTTP_DIR/users"
	githttp_pw_=
}

# githttp_repo NAME: a bare repository with one commit (file README).
githttp_repo() {
	githttp_dir_
	githttp_w_=$GITHTTP_DIR/work-$1
	git init -q -b main "$githttp_w_" &&
	printf 'hello from %s\n' "$1" >"$githttp_w_/README" &&
	git -C "$githttp_w_" add README &&
	git -C "$githttp_w_" -c user.name=azkv -c user.email=azkv@test \
		commit -q -m "first" &&
	git clone -q --bare "$githttp_w_" "$GITHTTP_DIR/repos/$1.git" &&
	git -C "$GITHTTP_DIR/repos/$1.git" config http.receivepack true
}

githttp_free_port_() {
	"${PYTHON3:-python3}" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# githttp_start: start lighttpd; 0 once it answers.
githttp_start() {
	githttp_can_run || return 1
	githttp_dir_
	GITHTTP_LOG=$GITHTTP_DIR/error.log
	GITHTTP_ACCESS_LOG=$GITHTTP_DIR/access.log
	githttp_try_=0
	while [ "$githttp_try_" -lt 5 ]; do
		githttp_try_=$((githttp_try_ + 1))
		GITHTTP_PORT=$(githttp_free_port_) || return 1
		cat >"$GITHTTP_DIR/lighttpd.conf" <<EOF
server.modules = ( "mod_access", "mod_alias", "mod_auth", "mod_authn_file",
                   "mod_cgi", "mod_setenv", "mod_accesslog" )
server.document-root = "$GITHTTP_DIR/empty"
server.bind = "127.0.0.1"
server.port = $GITHTTP_PORT
server.errorlog = "$GITHTTP_LOG"
server.pid-file = "$GITHTTP_DIR/lighttpd.pid"
server.max-request-size = 65536
accesslog.filename = "$GITHTTP_ACCESS_LOG"
accesslog.format = "%>s %u %r"
alias.url = ( "/git/" => "$GITHTTP_BACKEND/" )
\$HTTP["url"] =~ "^/git/" {
	cgi.assign = ( "" => "" )
	setenv.set-environment = (
		"GIT_PROJECT_ROOT" => "$GITHTTP_DIR/repos",
		"GIT_HTTP_EXPORT_ALL" => "1"
	)
	auth.backend = "plain"
	auth.backend.plain.userfile = "$GITHTTP_DIR/users"
	auth.require = ( "" => ( "method" => "basic", "realm" => "azkv-git",
	                         "require" => "valid-user" ) )
}
EOF
		mkdir -p "$GITHTTP_DIR/empty"
		"$GITHTTP_LIGHTTPD" -tt -f "$GITHTTP_DIR/lighttpd.conf" \
			>"$GITHTTP_LOG" 2>&1 || {
			diag "lighttpd rejected its config:"
			sed 's/^/#   /' "$GITHTTP_LOG"
			return 1
		}
		rm -f "$GITHTTP_DIR/lighttpd.pid"
		"$GITHTTP_LIGHTTPD" -D -f "$GITHTTP_DIR/lighttpd.conf" \
			>>"$GITHTTP_DIR/stderr.log" 2>&1 &
		GITHTTP_PID=$!
		track_pid "$GITHTTP_PID"
		githttp_i_=0
		while [ "$githttp_i_" -lt 100 ] &&
		    kill -0 "$GITHTTP_PID" 2>/dev/null; do
			curl -s -o /dev/null "http://127.0.0.1:$GITHTTP_PORT/" &&
				break
			githttp_i_=$((githttp_i_ + 1))
			sleep 0.1
		done
		if kill -0 "$GITHTTP_PID" 2>/dev/null &&
		    curl -s -o /dev/null "http://127.0.0.1:$GITHTTP_PORT/"; then
			break
		fi
		githttp_stop
		grep -q 'in use' "$GITHTTP_LOG" "$GITHTTP_DIR/stderr.log" || {
			diag "lighttpd did not start:"
			sed 's/^/#   /' "$GITHTTP_LOG" "$GITHTTP_DIR/stderr.log"
			return 1
		}
	done
	[ -n "$GITHTTP_PID" ] || return 1
	at_exit githttp_stop
	GITHTTP_URL=http://127.0.0.1:$GITHTTP_PORT/git
	export GITHTTP_URL GITHTTP_PORT GITHTTP_PID GITHTTP_DIR GITHTTP_LOG \
		GITHTTP_ACCESS_LOG
	return 0
}

githttp_stop() {
	if [ -n "$GITHTTP_PID" ]; then
		kill "$GITHTTP_PID" 2>/dev/null
		wait "$GITHTTP_PID" 2>/dev/null
		GITHTTP_PID=
	fi
}
