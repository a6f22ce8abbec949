#!/bin/sh
# t0400-git-protocol.sh: git-credential-azkv's protocol duties and mapped mode,
# checked like git's lib-credential.sh (input, exact stdout, exact stderr).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/emu.sh"
. "$top_srcdir/tests/integration/gitcred.sh"

emu_start || { echo "Bail out! emulator did not start"; exit 1; }
emu_env
usage_re='; usage: git-credential-azkv \[OPTIONS\] get\|store\|erase'

# ---- command line ------------------------------------------------------------
gc_check "no action: usage error, one line" 2 <<EOF
--
--
~^git-credential-azkv: no action given$usage_re
EOF
gc_check "two actions: usage error" 2 get store <<EOF
--
--
~^git-credential-azkv: exactly one action expected$usage_re
EOF
gc_check "unknown option: usage error" 2 --frobnicate get <<EOF
--
--
~^git-credential-azkv: unknown option or missing value: --frobnicate$usage_re
EOF
gc_check "option without its value" 2 get --secret <<EOF
--
--
~^git-credential-azkv: unknown option or missing value: --secret
EOF
gc_check "unknown action ignored silently" 0 capability <<EOF
protocol=https
host=example.com
--
--
EOF
gc_check "future action ignored silently" 0 --secret x frobnicate <<EOF
--
--
EOF
out=$(git-credential-azkv --help 2>&1)
like "$out" '^usage: git-credential-azkv \[OPTIONS\] get\|store\|erase' "--help on stdout"
like "$(git-credential-azkv --version)" '^git-credential-azkv [0-9]' "--version"

# ---- malformed input: clear error, nothing done, nothing printed ------------
emu_ctl secret-set pat 'hunter2' >/dev/null
emu_ctl clear-log
gc_check "line without '='" 1 --secret pat get <<EOF
protocol=https
host=example.com
garbage
--
--
git-credential-azkv: invalid input: a line has no '='
EOF
printf 'protocol=https\nhost=exa\000mple.com\n' >"$T/nul.in"
GC_INPUT=$T/nul.in gc_check "NUL byte" 1 --secret pat get <<EOF
--
--
git-credential-azkv: invalid input: a line holds a NUL byte
EOF
printf 'protocol=https\nhost=example.com\nusername=a\rb\n' >"$T/cr.in"
GC_INPUT=$T/cr.in gc_check "CR inside a value" 1 get <<EOF
--
--
git-credential-azkv: invalid input: the value of 'username' holds a carriage return
EOF
"$PYTHON3" -c 'import sys; sys.stdout.write("protocol=https\nwwwauth[]=" + "a" * (1 << 20) + "\nhost=example.com\n")' >"$T/1mb.in"
GC_INPUT=$T/1mb.in gc_check "1 MB line" 1 --secret pat get <<EOF
--
--
git-credential-azkv: invalid input: a line is longer than 65535 bytes
EOF
"$PYTHON3" -c 'import sys; sys.stdout.write("protocol=https\nhost=" + "h" * 65531 + "\n")' >"$T/65536.in"
GC_INPUT=$T/65536.in gc_check "65536-byte line" 1 store <<EOF
--
--
git-credential-azkv: invalid input: a line is longer than 65535 bytes
EOF
is "$(emu_ctl count vault)" 0 "malformed input: no vault request"

# ---- mapped mode ---------------------------------------------------------------
"$PYTHON3" -c 'import sys; sys.stdout.write("protocol=https\nhost=example.com\nwwwauth[]=" + "a" * 65525 + "\nusername=alice\n")' >"$T/65535.in"
GC_INPUT=$T/65535.in gc_check "65535-byte line read whole" 0 --secret pat get <<EOF
--
username=alice
password=hunter2
--
EOF
gc_check "unknown keys ignored; no url= in the answer" 0 --secret pat get <<EOF
capability[]=authtype
capability[]=state
protocol=https
host=example.com
username=alice
wwwauth[]=Basic realm="x"
state[]=other:1
future_key=some value
url=https://evil.example/
--
username=alice
password=hunter2
--
EOF
gc_check "blank line ends the input" 0 --secret pat get <<EOF
protocol=https
host=example.com

username=ignored
--
password=hunter2
--
EOF
gc_check "--username wins over what git sent" 0 --secret pat --username x-access-token get <<EOF
protocol=https
host=github.com
username=alice
--
username=x-access-token
password=hunter2
--
EOF
emu_ctl clear-log
gc_check "warm get" 0 --secret pat --username u get <<EOF
protocol=https
host=example.com
--
username=u
password=hunter2
--
EOF
is "$(emu_ctl count vault)/$(emu_ctl count imds)" "1/0" \
	"warm get: one vault request, no identity request"
gc_check "options may follow the action" 0 get --secret pat --username bob <<EOF
protocol=https
host=github.com
--
username=bob
password=hunter2
--
EOF
emu_ctl secret-set userpass '{"username":"jsonuser","password":"jsonpass","note":"x"}' >/dev/null
gc_check "JSON secret: its username wins over git's" 0 --secret userpass get <<EOF
protocol=https
host=example.com
username=alice
--
username=jsonuser
password=jsonpass
--
EOF
gc_check "JSON secret: --username wins over its username" 0 --secret userpass --username u get <<EOF
protocol=https
host=example.com
--
username=u
password=jsonpass
--
EOF
emu_ctl secret-set passonly '{"password":"only"}' >/dev/null
gc_check "JSON secret without username: git's username" 0 --secret passonly get <<EOF
protocol=https
host=example.com
username=alice
--
username=alice
password=only
--
EOF
emu_ctl secret-set expiring 'tok' --exp 9999999999 >/dev/null
gc_check "attributes.exp becomes password_expiry_utc" 0 --secret expiring --username u get <<EOF
protocol=https
host=example.com
--
username=u
password=tok
password_expiry_utc=9999999999
--
EOF
emu_ctl secret-set full-url 'viaurl' >/dev/null
gc_check "secret given as a full URL" 0 --secret "$EMU_VAULT_URL/secrets/full-url" --username u get <<EOF
protocol=https
host=example.com
--
username=u
password=viaurl
--
EOF
emu_ctl secret-set multiline "$(printf 'line1\nhost=evil.example')" >/dev/null
gc_check "secret with a newline: refused, nothing printed" 1 --secret multiline get <<EOF
protocol=https
host=example.com
--
--
git-credential-azkv: secret 'multiline': the password holds a line break (CR or LF) and cannot be passed to git
EOF
emu_ctl secret-set crlf "$(printf 'pw\r')" >/dev/null
gc_check "secret with a CR: refused" 1 --secret crlf --username u get <<EOF
protocol=https
host=example.com
--
--
git-credential-azkv: secret 'crlf': the password holds a line break (CR or LF) and cannot be passed to git
EOF
emu_ctl secret-set baduser '{"username":"a\nb","password":"p"}' >/dev/null
gc_check "username with a newline: refused" 1 --secret baduser get <<EOF
protocol=https
host=example.com
--
--
git-credential-azkv: secret 'baduser': the username holds a line break (CR or LF) and cannot be passed to git
EOF
gc_check "mapped secret missing: one line naming it" 1 --secret nosuch get <<EOF
protocol=https
host=example.com
--
--
~^git-credential-azkv: .*'nosuch'.*(no such secret|not found)
EOF

# the library's settings as helper options, for credential.helper lines
GC_ENV="-u AZKV_VAULT" gc_check "--vault on the command line" 0 \
	--vault "$EMU_VAULT_URL" --timeout 30 --no-cache --secret pat get <<EOF
protocol=https
host=example.com
username=alice
--
username=alice
password=hunter2
--
EOF
GC_ENV="-u AZKV_VAULT" gc_check "no vault at all: one line saying so" 1 \
	--secret pat get <<EOF
protocol=https
host=example.com
--
--
~^git-credential-azkv: .*vault
EOF
gc_check "a bad --timeout: usage error naming it" 2 --timeout soon \
	--secret pat get <<EOF
protocol=https
host=example.com
--
--
~^git-credential-azkv: invalid --timeout: 
EOF
GC_ENV=	# a prefix assignment to a function may persist (dash)

emu_ctl clear-log
before=$(gc_show pat versions)
gc_check "mapped store: silent, nothing written" 0 --secret pat store <<EOF
protocol=https
host=example.com
username=alice
password=other
--
--
EOF
gc_check "mapped erase: silent, nothing deleted" 0 --secret pat erase <<EOF
protocol=https
host=example.com
username=alice
password=hunter2
--
--
EOF
is "$(emu_ctl count vault)" 0 "mapped store/erase: no vault request"
is "$(gc_show pat versions)/$(gc_show pat deleted)" "$before/False" "mapped secret untouched"

# ---- mappings from the configuration file ---------------------------------------
mkdir -p "$HOME/.config/azkv"
cat >"$HOME/.config/azkv/config" <<EOF
[git "https://github.com"]
	secret = userpass
	username = x-access-token
[git "https://dev.azure.com/org"]
	secret = pat
[git "https://bot@example.org"]
	secret = passonly
EOF
gc_check "[git URL] secret and username" 0 get <<EOF
protocol=https
host=github.com
--
username=x-access-token
password=jsonpass
--
EOF
gc_check "[git URL] with a path prefix (useHttpPath)" 0 get <<EOF
protocol=https
host=dev.azure.com
path=org/project/_git/repo
username=me
--
username=me
password=hunter2
--
EOF
gc_check "[git URL] with a user" 0 get <<EOF
protocol=https
host=example.org
username=bot
--
username=bot
password=only
--
EOF
emu_ctl clear-log
gc_check "unmapped host: store mode miss, silent" 0 get <<EOF
protocol=https
host=gitlab.example
--
--
EOF
like "$(emu_ctl log vault | tail -1)" "\"path\":\"/secrets/$(gc_name https gitlab.example)/\"" \
	"unmapped host: looked up its store-mode secret"
gc_check "--secret wins over the file" 0 --secret pat get <<EOF
protocol=https
host=github.com
--
username=x-access-token
password=hunter2
--
EOF
emu_ctl clear-log
gc_check "--read-only: unmapped get misses without a request" 0 --read-only get <<EOF
protocol=https
host=gitlab.example
--
--
EOF
gc_check "--read-only: unmapped store does nothing" 0 --read-only store <<EOF
protocol=https
host=gitlab.example
username=u
password=p
--
--
EOF
is "$(emu_ctl count vault)" 0 "--read-only: no vault request"
printf '[git]\n\treadonly = true\n' >>"$HOME/.config/azkv/config"
gc_check "[git] readonly = true" 0 store <<EOF
protocol=https
host=gitlab.example
username=u
password=p
--
--
EOF
is "$(emu_ctl count vault)" 0 "[git] readonly: no vault request"
gc_check "mapped hosts still answer when read-only" 0 get <<EOF
protocol=https
host=github.com
--
username=x-access-token
password=jsonpass
--
EOF
rm -f "$HOME/.config/azkv/config"

done_testing
