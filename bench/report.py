#!/usr/bin/env python3
# bench/report.py RESULTS_DIR PERFORMANCE.md: rewrite the tables between the
# <!-- bench:NAME:begin --> and <!-- bench:NAME:end --> markers of the
# document from the benchmarks' JSON results; sections without results keep
# their old text.
import json
import os
import re
import sys


def load(d, name):
    try:
        with open(os.path.join(d, name), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def ms(s):
    return "%.1f" % (s * 1000.0)


def latency(d):
    lat = load(d, "latency.json")
    if not lat:
        return None
    res = {r["command"]: r for r in lat["results"]}
    base = {"warm": res.get("curl-warm"), "cold": res.get("curl-cold")}
    out = ["| command | median wall ms | vs curl | CPU ms (user+sys) | CPU vs curl |",
           "|---|---|---|---|---|"]
    for name, r in res.items():
        temp = "cold" if ("cold" in name or name in ("js-sdk", "az-cli")) else "warm"
        b = base[temp]
        cpu = r["user"] + r["system"]
        bcpu = b["user"] + b["system"] if b else None
        out.append("| %s | %s | %s | %s | %s |" % (
            name, ms(r["median"]),
            "%.2fx curl-%s" % (r["median"] / b["median"], temp) if b else "-",
            ms(cpu), "%.2fx" % (cpu / bcpu) if bcpu else "-"))
    req = load(d, "latency-requests.json") or {}
    out.append("")
    if "warm_vault_requests" in req:
        out.append("Requests per `azkv get` (emulator log): warm %s vault + %s "
                   "identity; cold %s vault + %s identity." % (
                       req["warm_vault_requests"], req["warm_identity_requests"],
                       req["cold_vault_requests"], req["cold_identity_requests"]))
    w, c = res.get("azkv-warm"), res.get("azkv-cold")
    sdk = res.get("js-sdk")
    t = []
    if w and base["warm"]:
        t.append("warm azkv / warm curl = %.2f (target <= 1.2)" %
                 (w["median"] / base["warm"]["median"]))
    if c and base["cold"]:
        t.append("cold azkv / two-curl cold = %.2f (target <= 1.3)" %
                 (c["median"] / base["cold"]["median"]))
    if w and sdk:
        t.append("JS SDK / warm azkv = %.1f (target >= 20)" %
                 (sdk["median"] / w["median"]))
        t.append("JS SDK CPU / warm azkv CPU = %.1f" % (
            (sdk["user"] + sdk["system"]) / (w["user"] + w["system"])))
    if t:
        out.append("Ratios of medians: " + "; ".join(t) + ".")
    return "\n".join(out)


def setup(d):
    req = load(d, "latency-requests.json") or {}
    st = load(d, "settings.json") or {}
    if not req:
        return None
    mode = {"prod": "production path (namespaces; no override, "
                    "`AZKV_VAULT=myvault`)",
            "loopback": "loopback emulator (`AZKV_*` settings)"}
    return "\n".join([
        "- Machine: %s." % req.get("machine", "?"),
        "- Set-up: %s." % mode.get(req.get("mode"), req.get("mode", "?")),
        "- Run: %s, %s hyperfine runs per command (3 warm-up runs); load "
        "average after the latency runs: %s (the machine is shared)." % (
            st.get("date", "?"), st.get("latency_runs", "?"),
            req.get("load", "?")),
    ])


def profile(d):
    p = load(d, "profile.json")
    if not p:
        return None
    names = list(p.keys())
    phases = []
    for n in names:
        phases += [k for k in p[n] if k not in phases]
    out = ["| phase (instructions, millions) | " + " | ".join(names) + " |",
           "|---|" + "---|" * len(names)]
    for ph in phases:
        if ph.startswith("exit status"):
            out.append("| %s | %s |" % (ph, " | ".join(
                str(p[n].get(ph, 0)) for n in names)))
            continue
        out.append("| %s | %s |" % (ph, " | ".join(
            "%.1f" % (p[n].get(ph, 0) / 1e6) if p[n].get(ph, 0) else "-"
            for n in names)))
    return "\n".join(out)


def rss(d):
    r = load(d, "latency-rss.json")
    if not r:
        return None
    what = {
        "azkv-warm": "`azkv get`, token cached",
        "git-credential-azkv-warm": "`git-credential-azkv get`, token cached",
        "azkv-version": "`azkv --version`: libraries loaded, no request",
        "curl-warm": "one `curl` GET with a token",
        "floor-libcurl-loaded": "floor: a `main` linked only to libcurl, "
                                "returning at once (bench/rss-floor.c)",
        "floor-openssl-one-get": "floor: OpenSSL alone, one verified TLS GET "
                                 "of the same URL (bench/rss-floor.c)",
    }
    out = ["| program | what | peak RSS MiB (GNU time %M, max of 5) |",
           "|---|---|---|"]
    for k, v in r.items():
        out.append("| %s | %s | %.1f |" % (k, what.get(k, ""), v / 1024.0))
    return "\n".join(out)


def herd(d):
    h = load(d, "herd.json")
    if not h:
        return None
    out = ["| N concurrent cold gets | wall ms | identity requests | vault requests | failures |",
           "|---|---|---|---|---|"]
    for r in h:
        out.append("| %d | %d | %d | %d | %d |" % (
            r["n"], r["wall_ms"], r["identity_requests"], r["vault_requests"],
            r["failures"]))
    return "\n".join(out)


def scale(d):
    s = load(d, "scale.json")
    if not s:
        return None
    out = ["| program | gets | identity requests | vault requests per get | "
           "peak RSS MiB | CPU s total | CPU ms per get | failures |",
           "|---|---|---|---|---|---|---|---|"]
    for r in s:
        out.append("| %s | %d | %d | %s | %.1f | %.2f | %.2f | %d |" % (
            r["program"], r["n"], r["identity_requests"],
            r["vault_requests_per_get"], r["peak_rss_kib"] / 1024.0,
            r["cpu_s"], r["cpu_s"] * 1000.0 / r["n"], r["failures"]))
    lt = load(d, "scale-lifetime.json")
    if lt:
        out.append("")
        out.append("With tokens living %d s (refreshed %d s before expiry, "
                   "so every %d s): %d sequential `azkv get` in %d s cost "
                   "%d identity requests (one per refresh interval: %d), "
                   "%d vault requests, %d failures." % (
                       lt["lifetime_s"], lt["lifetime_s"] - lt["refresh_every_s"],
                       lt["refresh_every_s"], lt["n"], lt["wall_s"],
                       lt["identity_requests"],
                       lt["expected_identity_requests"], lt["vault_requests"],
                       lt["failures"]))
    return "\n".join(out)


def sftp(d):
    try:
        with open(os.path.join(d, "sftp.md"), encoding="utf-8") as f:
            return f.read().rstrip("\n")
    except OSError:
        return None


def latency_loopback(d):
    return latency(os.path.join(d, "loopback"))


SECTIONS = {"setup": setup, "latency": latency,
            "latency-loopback": latency_loopback, "rss": rss,
            "profile": profile, "herd": herd, "scale": scale, "sftp": sftp}


def main():
    d, doc = sys.argv[1], sys.argv[2]
    with open(doc, encoding="utf-8") as f:
        text = f.read()
    for name, fn in SECTIONS.items():
        body = fn(d)
        if body is None:
            print("report: no results for %s; section kept" % name,
                  file=sys.stderr)
            continue
        pat = re.compile(r"(<!-- bench:%s:begin -->\n).*?(<!-- bench:%s:end -->)"
                         % (name, name), re.S)
        if not pat.search(text):
            print("report: no markers for %s in %s" % (name, doc),
                  file=sys.stderr)
            continue
        text = pat.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)
    with open(doc + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(doc + ".tmp", doc)


if __name__ == "__main__":
    main()
