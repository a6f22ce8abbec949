#!/usr/bin/env python3
# bench/cgphases.py DIR NAME...: instruction counts per phase from the
# callgrind_annotate --inclusive=yes listings DIR/cga.NAME, as JSON.
import json
import re
import sys

# phase -> functions whose inclusive counts add up to it
PHASES = [
    ("total", ["PROGRAM TOTALS"]),
    ("dynamic linking (ld.so, before constructors)", ["_dl_start"]),
    ("library constructors", ["_dl_init"]),
    ("libcurl global init (and OpenSSL's, if first)",
     ["curl_global_init_mem", "curl_global_init"]),
    ("azkv configuration (files, environment)", ["azkv_configure"]),
    ("token (memory, cache file or identity request)", ["tokencache_get"]),
    ("OpenSSL random generator set-up", ["RAND_get0_primary"]),
    ("CA store: bundle file loading", ["X509_STORE_load_file_ex"]),
    ("TLS handshake (incl. certificate checks)", ["SSL_do_handshake"]),
    ("JSON parsing", ["json_parse"]),
    ("exit (atexit handlers, library destructors)", ["exit"]),
]

LINE = re.compile(r"^\s*([\d,]+)\s+\([\s\d.]+%\)\s+(.*?)(?:\s+\[.*\])?$")


def counts(path):
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            n = int(m.group(1).replace(",", ""))
            name = m.group(2)
            if name != "PROGRAM TOTALS":
                name = name.rsplit(":", 1)[-1]
                name = name.split("'")[0]	# recursion suffixes
                name = name.split("@@")[0]
            out[name] = max(out.get(name, 0), n)
    return out


def main():
    d = sys.argv[1]
    res = {}
    for name in sys.argv[2:]:
        c = counts("%s/cga.%s" % (d, name))
        res[name] = {ph: sum(c.get(fn, 0) for fn in fns) for ph, fns in PHASES}
        try:
            with open("%s/rc.%s" % (d, name)) as f:
                rc = int(f.read().strip())
        except (OSError, ValueError):
            rc = 0
        if rc != 0:
            res[name]["exit status under valgrind"] = rc
    json.dump(res, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
