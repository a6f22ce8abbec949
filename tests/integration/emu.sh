# emu.sh: start/stop/drive the Azure emulator from integration tests.
# Source after lib.sh:  . "$top_srcdir/tests/integration/emu.sh"
# Interface: tests/emulator/README.md.

EMU_PID=

# emu_start [EMULATOR OPTIONS...]: start the emulator (stopped at exit), wait
# (at most ~10 s) until it is ready, and export the EMU_* variables.
emu_start() {
	EMU_STATE=$T/emu
	mkdir -p "$EMU_STATE" || return 1
	rm -f "$EMU_STATE/env.sh"
	"$PYTHON3" "$top_srcdir/tests/emulator/azkv-emulator.py" \
		--state-dir "$EMU_STATE" "$@" \
		>"$EMU_STATE/emulator.out" 2>"$EMU_STATE/emulator.err" &
	EMU_PID=$!
	track_pid "$EMU_PID"
	at_exit emu_stop
	emu_i=0
	while [ ! -s "$EMU_STATE/env.sh" ]; do
		emu_i=$((emu_i + 1))
		if [ "$emu_i" -gt 100 ] || ! kill -0 "$EMU_PID" 2>/dev/null; then
			diag "emulator did not start:"
			sed 's/^/#   /' "$EMU_STATE/emulator.err" 2>/dev/null
			return 1
		fi
		sleep 0.1
	done
	. "$EMU_STATE/env.sh"
	export EMU_STATE
	return 0
}

# emu_env: point azkv (as a user would) at the emulator.
emu_env() {
	AZURE_POD_IDENTITY_AUTHORITY_HOST=$EMU_IMDS
	AZKV_VAULT=$EMU_VAULT_URL
	AZKV_CAFILE=$EMU_CA
	AZKV_ALLOW_VAULT_HOST=$EMU_VAULT_HOST
	XDG_RUNTIME_DIR=$T/run
	HOME=$T/home
	mkdir -p "$XDG_RUNTIME_DIR" "$HOME"
	chmod 700 "$XDG_RUNTIME_DIR"
	export AZURE_POD_IDENTITY_AUTHORITY_HOST AZKV_VAULT AZKV_CAFILE \
		AZKV_ALLOW_VAULT_HOST XDG_RUNTIME_DIR HOME
}

# emu_ctl COMMAND [ARGS...]: see tests/emulator/README.md.
emu_ctl() {
	"$PYTHON3" "$top_srcdir/tests/emulator/emuctl.py" --state "$EMU_STATE" "$@"
}

# emu_stop: stop the emulator (also run at exit).
emu_stop() {
	if [ -n "$EMU_PID" ]; then
		kill "$EMU_PID" 2>/dev/null
		wait "$EMU_PID" 2>/dev/null
		EMU_PID=
	fi
}
