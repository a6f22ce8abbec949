#!/usr/bin/env python3
# emuctl.py: drive a running azkv-emulator through its control port (see README.md).

import json
import os
import sys
import urllib.request


def main():
	argv = sys.argv[1:]
	state = os.environ.get("EMU_STATE")
	if len(argv) >= 2 and argv[0] == "--state":
		state, argv = argv[1], argv[2:]
	if not state or not argv:
		sys.stderr.write("usage: emuctl.py [--state DIR] COMMAND [ARGS...]\n")
		return 2
	# "-" as a secret-set value means: read it from stdin.
	if argv[0] == "secret-set" and len(argv) > 2 and argv[2] == "-":
		argv[2] = sys.stdin.read()
	with open(os.path.join(state, "control.port"), encoding="ascii") as f:
		port = int(f.read().strip())
	data = json.dumps({"argv": argv}).encode()
	opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
	req = urllib.request.Request("http://127.0.0.1:%d/ctl" % port, data=data,
				     headers={"Content-Type": "application/json"})
	with opener.open(req, timeout=30) as r:
		out = r.read().decode()
		code = int(r.headers.get("X-Exit", "1"))
	(sys.stdout if code == 0 else sys.stderr).write(out)
	return code


if __name__ == "__main__":
	sys.exit(main())
