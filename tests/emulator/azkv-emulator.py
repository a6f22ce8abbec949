#!/usr/bin/env python3
# azkv-emulator.py: Azure managed-identity token services + Key Vault secrets, for tests.
#
# Python 3 standard library only (plus the openssl CLI to make test certificates).
# Interface: tests/emulator/README.md.  Not a security boundary: test data only.

import argparse
import base64
import email.utils
import hashlib
import hmac
import http.server
import json
import os
import random
import re
import secrets
import select
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

VAULT_RESOURCE = "https://vault.azure.net"
VAULT_API_VERSIONS = ["2016-10-01", "7.0", "7.1", "7.2", "7.3", "7.4", "7.5",
		      "7.6", "2025-07-01"]
IMDS_TOKEN_PATH = "/metadata/identity/oauth2/token"
RECOVERY_LEVEL = "CustomizedRecoverable+Purgeable"
RECOVERABLE_DAYS = 7
KV_REGION = "westeurope"
KV_SERVICE_VERSION = "1.9.2179.1"
SUBSCRIPTION = "00000000-aaaa-4bbb-8ccc-000000000001"
RESOURCE_GROUP = "azkv-test"
SECRET_NAME_RE = re.compile(r"^[0-9a-zA-Z-]{1,127}$")
SECRET_OPS = ("get", "list", "set", "delete", "recover", "purge")
STOP = threading.Event()


def b64url(data):
	return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
	return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jdump(obj):
	return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def new_version():
	return uuid.uuid4().hex


def vm_resource_id(name):
	return ("/subscriptions/%s/resourcegroups/%s/providers/"
		"Microsoft.Compute/virtualMachines/%s" % (SUBSCRIPTION, RESOURCE_GROUP, name))


def ua_resource_id(name):
	return ("/subscriptions/%s/resourcegroups/%s/providers/"
		"Microsoft.ManagedIdentity/userAssignedIdentities/%s" % (SUBSCRIPTION, RESOURCE_GROUP, name))


def make_identities():
	"""The test identities: name -> dict(client_id, object_id, resource_id, kind)."""
	ids = {}

	def add(name, kind, rid, n):
		ids[name] = {
			"name": name, "kind": kind, "resource_id": rid,
			"client_id": "%08x-0000-4000-8000-%012x" % (0xc11e0000 + n, n),
			"object_id": "%08x-0000-4000-8000-%012x" % (0x0b1e0000 + n, n),
		}
	add("system", "system", vm_resource_id("azkv-test-vm"), 1)
	add("ua1", "user", ua_resource_id("azkv-ua1"), 2)
	add("ua2", "user", ua_resource_id("azkv-ua2"), 3)
	add("ua3", "user", ua_resource_id("azkv-ua3"), 4)
	add("workload", "workload", None, 5)
	return ids


class Fault:
	"""One item of a fault queue: ACTION[=ARG][xN|x*][:opt=val...]."""

	ITEM_RE = re.compile(r"^(\d{3}|[a-z][a-z-]*?)(?:=([0-9.]+))?(?:x(\d+|\*))?$")

	def __init__(self, text):
		head, *opts = text.split(":")
		m = self.ITEM_RE.match(head)
		if not m:
			raise ValueError("bad fault item %r" % text)
		self.action = m.group(1)
		self.arg = m.group(2)
		rep = m.group(3)
		self.count = None if rep == "*" else int(rep or 1)
		self.opts = {}
		for o in opts:
			k, _, v = o.partition("=")
			self.opts[k] = v
		known = ("normal", "hang", "delay", "reset", "truncated", "malformed",
			 "oversized", "wrong-ctype", "drip", "challenge", "unreachable",
			 "close")
		if not (self.action in known or self.action.isdigit()):
			raise ValueError("unknown fault action %r" % self.action)
		if self.action.isdigit() and not 100 <= int(self.action) <= 599:
			raise ValueError("bad status %r" % self.action)

	def label(self):
		return self.action + ("=" + self.arg if self.arg else "") + "".join(
			":%s=%s" % kv for kv in self.opts.items())

	def describe(self):
		return "%s%s x%s %s" % (self.action, "=" + self.arg if self.arg else "",
					"*" if self.count is None else self.count, self.opts)


class State:
	def __init__(self, args):
		self.args = args
		self.lock = threading.RLock()
		self.key = secrets.token_bytes(32)
		self.tenant = "72f988bf-0000-4000-8000-00000000a2b3"
		self.identities = make_identities()
		self.perms = {}
		self.secrets = {}	# lower name -> {"name", "versions": [bundle...]}
		self.deleted = {}	# lower name -> {"name", "versions", "deletedDate", ...}
		self.faults = {}	# service -> [Fault]
		self.log = []
		self.seq = 0
		self.token_lifetime = 86399
		self.ratelimit = not args.no_rate_limit
		self.imds_inflight = 0
		self.imds_times = []
		self.appservice_secret = str(uuid.uuid4())
		self.azureml_secret = secrets.token_hex(16)
		self.sf_secret = str(uuid.uuid4())
		self.arc_keys = {}
		self.reset_perms()
		self.logfile = open(os.path.join(args.state_dir, "requests.jsonl"), "a",
				    encoding="utf-8")

	def reset_perms(self):
		self.perms = {
			"system": set(SECRET_OPS), "ua1": set(SECRET_OPS),
			"ua2": {"get", "list"}, "ua3": set(), "workload": set(SECRET_OPS),
		}

	def find_identity(self, key, value):
		for ident in self.identities.values():
			if ident.get(key) and ident[key].lower() == value.lower():
				return ident
		return None

	# ---- tokens -------------------------------------------------------
	def mint(self, ident, resource, lifetime=None):
		now = int(time.time())
		life = self.token_lifetime if lifetime is None else lifetime
		aud = resource[:-len("/.default")] if resource.endswith("/.default") else resource
		iss = "https://sts.windows.net/%s/" % self.tenant
		claims = {
			"aud": aud, "iss": iss, "iat": now, "nbf": now, "exp": now + life,
			"aio": b64url(secrets.token_bytes(12)), "appid": ident["client_id"],
			"appidacr": "2", "idp": iss, "oid": ident["object_id"],
			"rh": "0.emu." + b64url(secrets.token_bytes(6)),
			"sub": ident["object_id"], "tid": self.tenant,
			"uti": b64url(secrets.token_bytes(16)), "ver": "1.0",
		}
		if ident.get("resource_id"):
			claims["xms_mirid"] = ident["resource_id"]
		header = {"typ": "JWT", "alg": "RS256", "x5t": "emu", "kid": "emu"}
		signing = b64url(jdump(header).encode()) + "." + b64url(jdump(claims).encode())
		sig = hmac.new(self.key, signing.encode(), hashlib.sha256).digest()
		return signing + "." + b64url(sig), claims

	def verify(self, token):
		"""Return (claims, None) for a token this emulator issued, else (None, why)."""
		parts = token.split(".")
		if len(parts) != 3:
			return None, "malformed"
		want = hmac.new(self.key, (parts[0] + "." + parts[1]).encode(),
				hashlib.sha256).digest()
		try:
			got = b64url_decode(parts[2])
			claims = json.loads(b64url_decode(parts[1]))
		except (ValueError, TypeError):
			return None, "malformed"
		if not hmac.compare_digest(want, got):
			return None, "signature"
		if not isinstance(claims, dict):
			return None, "malformed"
		return claims, None

	# ---- faults -------------------------------------------------------
	def set_faults(self, service, spec):
		items = [] if spec in ("clear", "none", "") else [Fault(t) for t in spec.split(",")]
		with self.lock:
			self.faults[service] = items

	def next_fault(self, service, authenticated):
		with self.lock:
			q = self.faults.get(service)
			if not q:
				return None
			f = q[0]
			when = f.opts.get("when")
			if when is None:
				when = "any" if service != "vault" or f.action == "challenge" else "auth"
			if when == "auth" and not authenticated:
				return None
			if when == "noauth" and authenticated:
				return None
			if "p" in f.opts and random.random() >= float(f.opts["p"]):
				return None
			if f.count is not None:
				f.count -= 1
				if f.count <= 0:
					q.pop(0)
			return f

	# ---- log ----------------------------------------------------------
	def add_log(self, entry, done=True):
		"""Append entry to the log now; write it to the file once done."""
		with self.lock:
			self.seq += 1
			entry["seq"] = self.seq
			self.log.append(entry)
		if done:
			self.log_done(entry)

	def log_done(self, entry):
		with self.lock:
			try:
				self.logfile.write(jdump(entry) + "\n")
				self.logfile.flush()
			except (OSError, ValueError):
				pass

	# ---- imds rate limits (5 concurrent, 20 requests/s) ---------------
	def imds_enter(self):
		with self.lock:
			now = time.monotonic()
			self.imds_times = [t for t in self.imds_times if now - t < 1.0]
			limited = self.ratelimit and (self.imds_inflight >= 5 or
						      len(self.imds_times) >= 20)
			self.imds_times.append(now)
			self.imds_inflight += 1
			return limited

	def imds_leave(self):
		with self.lock:
			self.imds_inflight -= 1


def parse_time_arg(v):
	"""EPOCH, +SECONDS or -SECONDS relative to now."""
	if v.startswith(("+", "-")):
		return int(time.time()) + int(v)
	return int(v)


class Response:
	def __init__(self, status, body=b"", ctype="application/json; charset=utf-8",
		     headers=None):
		self.status = status
		if isinstance(body, (dict, list)):
			body = jdump(body)
		if isinstance(body, str):
			body = body.encode()
		self.body = body
		self.ctype = ctype
		self.headers = list(headers or [])


class QuietServer(http.server.ThreadingHTTPServer):
	daemon_threads = True
	allow_reuse_address = True
	request_queue_size = 1024

	def __init__(self, addr, handler, service, state, tls_ctx=None):
		self.service = service
		self.state = state
		self.tls_ctx = tls_ctx
		host = addr[0]
		self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
		super().__init__(addr, handler)

	def get_request(self):
		sock, addr = self.socket.accept()
		if self.tls_ctx is not None:
			sock = self.tls_ctx.wrap_socket(sock, server_side=True,
							do_handshake_on_connect=False)
		return sock, addr

	def handle_error(self, request, client_address):
		exc = sys.exc_info()[1]
		if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout,
				    BrokenPipeError, OSError)):
			return
		super().handle_error(request, client_address)


class Handler(http.server.BaseHTTPRequestHandler):
	protocol_version = "HTTP/1.1"
	# Header and body are separate writes; without TCP_NODELAY the body
	# waits ~40 ms for the client's delayed ACK, which Azure does not do.
	disable_nagle_algorithm = True
	server_version = ""
	sys_version = ""

	def setup(self):
		super().setup()
		if isinstance(self.connection, ssl.SSLSocket):
			self.connection.settimeout(10)
			try:
				self.connection.do_handshake()
			except (ssl.SSLError, OSError) as e:
				self.server.state.add_log({
					"service": self.server.service, "time": time.time(),
					"tls_error": str(e)})
				raise
			self.connection.settimeout(None)

	def log_message(self, fmt, *args):
		pass

	def send_response(self, code, message=None):
		self.log_request(code)
		self.send_response_only(code, message)
		self.send_header("Date", self.date_time_string())

	def do_GET(self):
		self.dispatch("GET")

	def do_PUT(self):
		self.dispatch("PUT")

	def do_POST(self):
		self.dispatch("POST")

	def do_DELETE(self):
		self.dispatch("DELETE")

	def do_PATCH(self):
		self.dispatch("PATCH")

	def do_HEAD(self):
		self.dispatch("HEAD")

	# ---- plumbing -----------------------------------------------------
	def read_body(self):
		n = self.headers.get("Content-Length")
		if n is None:
			if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
				out = b""
				while True:
					line = self.rfile.readline(100)
					size = int(line.split(b";")[0].strip() or b"0", 16)
					if size == 0:
						self.rfile.readline(100)
						return out
					out += self.rfile.read(size)
					self.rfile.readline(100)
			return b""
		return self.rfile.read(int(n))

	def dispatch(self, method):
		st = self.server.state
		service = self.server.service
		u = urllib.parse.urlsplit(self.path)
		self.url_path = u.path
		self.query = urllib.parse.parse_qs(u.query, keep_blank_values=True)
		self.raw_query = u.query
		self.method = method
		try:
			self.body = self.read_body()
		except (ValueError, OSError):
			self.close_connection = True
			return
		entry = {
			"service": service, "time": time.time(), "method": method,
			"path": u.path, "query": u.query,
			"headers": {k: v for k, v in self.headers.items()},
			"authorization": None, "identity": None, "token_aud": None,
		}
		if self.body:
			entry["body"] = self.body[:4096].decode("utf-8", "replace")
		auth = self.headers.get("Authorization")
		self.claims = None
		self.bearer_error = None
		if auth:
			scheme = auth.split(" ", 1)[0].lower()
			entry["authorization"] = scheme
			if scheme == "bearer":
				claims, why = st.verify(auth.split(" ", 1)[1].strip() if " " in auth else "")
				if claims:
					self.claims = claims
					entry["token_aud"] = claims.get("aud")
					ident = st.find_identity("object_id", claims.get("oid", ""))
					entry["identity"] = ident["name"] if ident else claims.get("oid")
				else:
					self.bearer_error = why
					entry["identity"] = "invalid:" + why
		self.entry = entry
		entry["status"] = None
		st.add_log(entry, done=False)
		limited = False
		if service == "imds" and u.path.rstrip("/") == IMDS_TOKEN_PATH:
			limited = st.imds_enter()
		try:
			if limited:
				resp = Response(429, {"error": "too_many_requests",
						      "error_description": "Too many requests"},
						headers=[("Retry-After", "1")])
				fault = None
				entry["ratelimited"] = True
			else:
				fault = st.next_fault(service, self.claims is not None)
				if fault is not None:
					entry["fault"] = fault.label()
				resp = self.apply_pre_fault(fault)
				if resp is None:
					resp = self.handle_service()
			entry["status"] = resp.status
			st.log_done(entry)
			if resp.status == -1:	# hang: answered nothing
				return
			self.send(resp, fault)
		finally:
			if service == "imds" and u.path.rstrip("/") == IMDS_TOKEN_PATH:
				st.imds_leave()

	def wait_client_gone(self, seconds=None):
		"""Block until the client closes, the emulator stops or seconds pass."""
		sock = self.connection
		deadline = None if seconds is None else time.monotonic() + seconds
		while not STOP.is_set():
			t = 0.2
			if deadline is not None:
				t = min(t, deadline - time.monotonic())
				if t <= 0:
					return False
			try:
				r, _, _ = select.select([sock], [], [], t)
			except (OSError, ValueError):
				return True
			if r:
				try:
					if isinstance(sock, ssl.SSLSocket):
						data = sock.recv(1)
					else:
						data = sock.recv(1, socket.MSG_PEEK)
				except ssl.SSLWantReadError:
					continue
				except (OSError, ssl.SSLError):
					return True
				if not data:
					return True
				if not isinstance(sock, ssl.SSLSocket):
					time.sleep(t)
		return True

	def apply_pre_fault(self, f):
		if f is None:
			return None
		a = f.action
		if a == "hang":
			self.entry["status"] = -1
			self.close_connection = True
			self.wait_client_gone()
			return Response(-1)
		if a == "delay":
			if self.wait_client_gone(float(f.arg or 1)):
				self.close_connection = True
				return Response(-1)
			return None
		if a == "unreachable":
			return Response(403, "A socket operation was attempted to an unreachable "
					"network.", ctype="text/plain; charset=utf-8")
		if a == "challenge":
			# URLs hold ':', the option separator: they come percent-encoded
			res = urllib.parse.unquote(f.opts.get("resource", "https://management.azure.com"))
			auth = urllib.parse.unquote(f.opts.get("authorization",
					  "https://login.microsoftonline.com/" + self.server.state.tenant))
			return Response(401, {"error": {"code": "Unauthorized", "message":
					"AKV10000: Request is missing a Bearer or PoP token."}},
					headers=[("WWW-Authenticate",
						  'Bearer authorization="%s", resource="%s"' % (auth, res))])
		if a.isdigit():
			return self.fault_status(int(a), f)
		return None

	def fault_status(self, status, f):
		headers = []
		if "retry-after" in f.opts:
			headers.append(("Retry-After", f.opts["retry-after"]))
		if "retry-after-date" in f.opts:
			when = time.time() + float(f.opts["retry-after-date"])
			headers.append(("Retry-After", email.utils.formatdate(when, usegmt=True)))
		if "body" in f.opts:
			body = urllib.parse.unquote(f.opts["body"])
		else:
			body = self.default_error_body(status, f)
		ctype = urllib.parse.unquote(f.opts.get("ctype", "application/json; charset=utf-8"))
		if status == 401 and self.server.service == "vault":
			headers.append(("WWW-Authenticate", self.challenge_header()))
		return Response(status, body, ctype=ctype, headers=headers)

	def default_error_body(self, status, f):
		reasons = {
			400: "Bad request", 401: "Unauthorized", 403: "Forbidden",
			404: "IMDS endpoint is updating", 405: "Method not allowed",
			408: "Request timeout", 409: "Conflict",
			410: "IMDS is going through updates. Please retry after some time for a max of 70 seconds.",
			429: "Too many requests", 500: "Failed to retrieve token from the Active directory",
			502: "Bad gateway", 503: "Service unavailable", 504: "Gateway timeout",
		}
		msg = urllib.parse.unquote(f.opts.get("message", reasons.get(status, "Error %d" % status)))
		if self.server.service == "vault":
			codes = {400: "BadParameter", 401: "Unauthorized", 403: "Forbidden",
				 404: "SecretNotFound", 409: "Conflict", 429: "Throttled",
				 500: "InternalServerError", 503: "ServiceUnavailable"}
			vmsg = {429: "Rate limit is exceeded. Try again in 1 seconds.",
				404: "A secret with (name/id) unknown was not found in this key vault.",
				409: "Conflict.", 403: "Access denied.",
				500: "Internal server error."}
			if "message" not in f.opts:
				msg = vmsg.get(status, msg)
			err = {"code": f.opts.get("code", codes.get(status, "Error")), "message": msg}
			if "inner" in f.opts:
				inner = None
				for code in reversed(f.opts["inner"].split("/")):
					inner = {"code": code, **({"innererror": inner} if inner else {})}
				err["innererror"] = inner
			return {"error": err}
		code = f.opts.get("code", {400: "invalid_request", 500: "unknown"}.get(
			status, reasons.get(status, "error").lower().replace(" ", "_")))
		return {"error": code, "error_description": msg}

	def send(self, resp, f):
		a = f.action if f is not None else None
		body = resp.body
		ctype = resp.ctype
		clen = len(body)
		if a == "truncated":
			body = body[:max(1, len(body) // 2)]
		elif a == "malformed":
			body = b'{"access_token": "eyJ0eXAi, "expires_in": 3599,,}' \
				if self.server.service != "vault" else b'{"value":"x","id":'
			clen = len(body)
		elif a == "oversized":
			size = int(f.arg or 10 * 1024 * 1024)
			pad = b" " * max(0, size - len(body))
			body = body[:-1] + pad + body[-1:] if body.endswith(b"}") else body + pad
			clen = len(body)
		elif a == "wrong-ctype":
			ctype = urllib.parse.unquote(f.opts.get("ctype", "text/html; charset=utf-8"))
			if "body" not in f.opts:
				body = b"<html><body><h1>Hello from a captive portal</h1></body></html>"
				clen = len(body)
		self.send_response(resp.status)
		if resp.status != 204:
			self.send_header("Content-Type", ctype)
		self.send_header("Content-Length", str(clen))
		for k, v in self.extra_headers(resp):
			self.send_header(k, v)
		for k, v in resp.headers:
			self.send_header(k, v)
		if a == "close" or a == "reset" or self.close_connection:
			self.send_header("Connection", "close")
			self.close_connection = True
		self.end_headers()
		if self.method == "HEAD":
			return
		if a == "reset":
			self.wfile.write(body[:max(1, len(body) // 2)])
			self.wfile.flush()
			self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
						   struct.pack("ii", 1, 0))
			try:
				socket.socket.close(self.connection) \
					if not isinstance(self.connection, ssl.SSLSocket) \
					else self.connection.close()
			except OSError:
				pass
			self.close_connection = True
			return
		if a == "drip":
			rate = float(f.arg or 1)
			self.wfile.flush()
			for i in range(len(body)):
				if STOP.is_set():
					break
				self.wfile.write(body[i:i + 1])
				self.wfile.flush()
				if self.wait_client_gone(1.0 / rate):
					self.close_connection = True
					return
			return
		self.wfile.write(body)
		if a == "truncated":
			self.wfile.flush()
			self.close_connection = True

	def finish(self):
		try:
			super().finish()
		except (OSError, ValueError):
			pass

	def extra_headers(self, resp):
		return []

	def challenge_header(self):
		return ('Bearer authorization="https://login.microsoftonline.com/%s", resource="%s"'
			% (self.server.state.tenant, VAULT_RESOURCE))

	def q1(self, name):
		v = self.query.get(name)
		return v[0] if v else None

	def handle_service(self):
		return Response(404, {"error": "not_found"})


# ---- token services --------------------------------------------------------

class TokenHandler(Handler):
	def token_error(self, status, error, description):
		return Response(status, {"error": error, "error_description": description})

	def select_identity(self, params, allow_user=True):
		"""params: list of (query-name, identity-key). Returns (ident, error Response)."""
		st = self.server.state
		given = [(q, k, self.q1(q)) for q, k in params if self.q1(q)]
		if not given:
			return st.identities["system"], None
		if len(given) > 1 or not allow_user:
			return None, self.token_error(400, "invalid_request",
						      "Identity not found" if not allow_user
						      else "Multiple identities specified")
		q, key, value = given[0]
		ident = st.find_identity(key, value)
		if ident is None or ident["kind"] == "workload":
			return None, self.token_error(400, "invalid_request", "Identity not found")
		return ident, None

	def resource_ok(self, resource):
		return bool(resource) and re.match(r"^[a-z]+://|^[0-9a-f-]{36}$", resource, re.I)

	def imds_style_reply(self, ident, resource):
		token, c = self.server.state.mint(ident, resource)
		return Response(200, {
			"access_token": token, "refresh_token": "",
			"expires_in": str(c["exp"] - c["iat"]), "expires_on": str(c["exp"]),
			"not_before": str(c["nbf"]), "resource": resource, "token_type": "Bearer",
			"client_id": ident["client_id"],
		})


class ImdsHandler(TokenHandler):
	def handle_service(self):
		if self.url_path.rstrip("/") != IMDS_TOKEN_PATH:
			if self.url_path.startswith("/metadata/"):
				return Response(400, {"error": "Bad request. api-version is invalid or was not "
						      "specified in the request. For more information refer to "
						      "aka.ms/azureimds", "newest-versions":
						      ["2025-04-07", "2024-07-17", "2024-03-15"]})
			return Response(404, "Not found", ctype="text/plain; charset=utf-8")
		if self.method != "GET":
			return Response(405, {"error": "method_not_allowed",
					      "error_description": "Method not allowed"})
		if self.headers.get("Metadata") != "true" or self.headers.get("X-Forwarded-For"):
			return self.token_error(400, "invalid_request",
						"Required metadata header not specified")
		if not self.q1("api-version"):
			return Response(400, {"error": "Bad request. api-version is invalid or was not "
					      "specified in the request. For more information refer to "
					      "aka.ms/azureimds", "newest-versions":
					      ["2025-04-07", "2024-07-17", "2024-03-15"]})
		resource = self.q1("resource")
		if not resource:
			return self.token_error(400, "invalid_request",
						"Required query variable 'resource' is missing")
		if not self.resource_ok(resource):
			return self.token_error(400, "invalid_resource",
						"AADSTS50001: The application named %s was not found in the "
						"tenant." % resource)
		ident, err = self.select_identity([("client_id", "client_id"),
						   ("object_id", "object_id"),
						   ("msi_res_id", "resource_id")])
		if err:
			return err
		return self.imds_style_reply(ident, resource)


class AppServiceHandler(TokenHandler):
	"""App Service / Functions / Container Apps (2019-08-01) and legacy 2017-09-01."""

	def app_error(self, status, message):
		return Response(status, {"statusCode": status, "message": message,
					 "correlationId": str(uuid.uuid4())})

	def handle_service(self):
		st = self.server.state
		if self.url_path.rstrip("/").lower() != "/msi/token":
			return Response(404, "Not found", ctype="text/plain; charset=utf-8")
		if self.method != "GET":
			return self.app_error(405, "Method not allowed.")
		ver = self.q1("api-version")
		if ver == "2019-08-01":
			if self.headers.get("X-IDENTITY-HEADER") != st.appservice_secret:
				return self.app_error(401, "Unauthorized request: missing or invalid "
						      "X-IDENTITY-HEADER.")
			params = [("client_id", "client_id"), ("principal_id", "object_id"),
				  ("object_id", "object_id"), ("mi_res_id", "resource_id")]
		elif ver == "2017-09-01":
			if self.headers.get("secret") != st.appservice_secret:
				return self.app_error(401, "Unauthorized request: missing or invalid "
						      "secret header.")
			params = [("clientid", "client_id")]
		else:
			return self.app_error(400, "Invalid api-version '%s'." % (ver or ""))
		resource = self.q1("resource")
		if not resource:
			return self.app_error(400, "Required query parameter 'resource' is missing.")
		ident, err = self.select_identity(params)
		if err:
			return self.app_error(400, "No User Assigned or Delegated Managed Identity found "
					      "for specified ClientId/ResourceId/PrincipalId.")
		token, c = st.mint(ident, resource)
		if ver == "2017-09-01":
			exp = time.strftime("%m/%d/%Y %H:%M:%S +00:00", time.gmtime(c["exp"]))
			return Response(200, {"access_token": token, "expires_on": exp,
					      "resource": resource, "token_type": "Bearer"})
		return Response(200, {"access_token": token, "expires_on": str(c["exp"]),
				      "resource": resource, "token_type": "Bearer",
				      "client_id": ident["client_id"]})


class ArcHandler(TokenHandler):
	"""Azure Arc HIMDS: 401 Basic realm=<key file>, then Authorization: Basic <key>."""

	def handle_service(self):
		st = self.server.state
		if self.url_path.rstrip("/") != IMDS_TOKEN_PATH:
			return Response(404, "Not found", ctype="text/plain; charset=utf-8")
		if self.method != "GET":
			return self.token_error(405, "method_not_allowed", "Method not allowed")
		if self.headers.get("Metadata") != "true":
			return self.token_error(400, "invalid_request",
						"Required metadata header not specified")
		if self.q1("api-version") not in ("2019-11-01", "2020-06-01", "2019-08-15",
						   "2021-02-01"):
			return self.token_error(400, "invalid_request", "Invalid api-version")
		resource = self.q1("resource")
		if not resource:
			return self.token_error(400, "invalid_request",
						"Required query variable 'resource' is missing")
		if any(self.q1(p) for p in ("client_id", "object_id", "msi_res_id", "mi_res_id")):
			return self.token_error(400, "invalid_request",
						"User assigned identities are not supported on Azure Arc")
		auth = self.headers.get("Authorization", "")
		if not auth:
			key = secrets.token_hex(32)
			path = os.path.join(st.args.arc_key_dir, secrets.token_hex(8) + ".key")
			fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
			with os.fdopen(fd, "w", encoding="ascii") as f:
				f.write(key)
			with st.lock:
				st.arc_keys[key] = path
			return Response(401, {"error": "unauthorized",
					      "error_description": "Authorization required"},
					headers=[("WWW-Authenticate", "Basic realm=" + path)])
		scheme, _, key = auth.partition(" ")
		with st.lock:
			path = st.arc_keys.pop(key.strip(), None) if scheme.lower() == "basic" else None
		if path is None:
			return self.token_error(401, "unauthorized", "Invalid Basic authorization key")
		try:
			os.unlink(path)
		except OSError:
			pass
		return self.imds_style_reply(st.identities["system"], resource)


class CloudShellHandler(TokenHandler):
	"""Cloud Shell: POST form resource=..., Metadata: true."""

	def handle_service(self):
		if self.url_path.rstrip("/") != "/oauth2/token":
			return Response(404, "Not found", ctype="text/plain; charset=utf-8")
		if self.method != "POST":
			return self.token_error(405, "method_not_allowed", "Method not allowed")
		if self.headers.get("Metadata") != "true":
			return self.token_error(400, "invalid_request",
						"Required metadata header not specified")
		form = urllib.parse.parse_qs(self.body.decode("utf-8", "replace"))
		resource = (form.get("resource") or [None])[0]
		if not resource:
			return self.token_error(400, "invalid_request", "resource is required")
		if any(k in form for k in ("client_id", "object_id", "msi_res_id", "mi_res_id")):
			return self.token_error(400, "invalid_request",
						"User assigned identities are not supported in Cloud Shell")
		return self.imds_style_reply(self.server.state.identities["system"], resource)


class AzureMLHandler(TokenHandler):
	"""Azure Machine Learning: secret header, clientid, expires_on integer."""

	def handle_service(self):
		st = self.server.state
		if self.url_path.rstrip("/").lower() != "/msi/token":
			return Response(404, "Not found", ctype="text/plain; charset=utf-8")
		if self.headers.get("secret") != st.azureml_secret:
			return self.token_error(401, "unauthorized", "Missing or invalid secret header")
		if self.q1("api-version") != "2017-09-01":
			return self.token_error(400, "invalid_request", "Invalid api-version")
		resource = self.q1("resource")
		if not resource:
			return self.token_error(400, "invalid_request", "resource is required")
		ident, err = self.select_identity([("clientid", "client_id"),
						   ("client_id", "client_id")])
		if err:
			return err
		token, c = st.mint(ident, resource)
		return Response(200, {"access_token": token, "expires_in": c["exp"] - c["iat"],
				      "expires_on": c["exp"], "resource": resource,
				      "token_type": "Bearer", "client_id": ident["client_id"]})


class ServiceFabricHandler(TokenHandler):
	"""Service Fabric managed identity (HTTPS, own certificate, Secret header)."""

	def sf_error(self, status, code, message):
		return Response(status, {"error": {"correlationId": str(uuid.uuid4()),
						   "code": code, "message": message}})

	def handle_service(self):
		st = self.server.state
		if self.url_path.rstrip("/") != IMDS_TOKEN_PATH:
			return Response(404, "Not found", ctype="text/plain; charset=utf-8")
		if "Secret" not in self.headers:
			return self.sf_error(401, "SecretHeaderNotFound",
					     "Secret is not found in the request headers.")
		if self.headers.get("Secret") != st.sf_secret:
			return self.sf_error(401, "SecretHeaderInvalid",
					     "Secret in the request headers is not valid.")
		if self.q1("api-version") != "2019-07-01-preview":
			return self.sf_error(400, "InvalidApiVersion",
					     "The api-version is not supported.")
		resource = self.q1("resource")
		if not resource:
			return self.sf_error(400, "ArgumentNullOrEmpty",
					     "Value cannot be null or empty. Parameter name: resource")
		if any(self.q1(p) for p in ("client_id", "object_id", "msi_res_id", "mi_res_id")):
			return self.sf_error(400, "ManagedIdentityNotFound",
					     "A user-assigned identity cannot be chosen at runtime.")
		token, c = st.mint(st.identities["system"], resource)
		return Response(200, {"token_type": "Bearer", "access_token": token,
				      "expires_on": str(c["exp"]), "resource": resource})


class AuthorityHandler(TokenHandler):
	"""Entra ID v2 token endpoint for workload identity (client_assertion)."""

	def aad_error(self, status, error, code, text):
		now = time.gmtime()
		trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
		stamp = time.strftime("%Y-%m-%d %H:%M:%SZ", now)
		desc = "AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s" % (
			code, text, trace, corr, stamp)
		return Response(status, {"error": error, "error_description": desc,
					 "error_codes": [code], "timestamp": stamp,
					 "trace_id": trace, "correlation_id": corr,
					 "error_uri": "%s/error?code=%d" % (self.base(), code)})

	def base(self):
		return "https://" + (self.headers.get("Host") or "localhost")

	def handle_service(self):
		st = self.server.state
		parts = self.url_path.split("/")
		if len(parts) >= 5 and parts[2:] == ["v2.0", ".well-known", "openid-configuration"]:
			t = parts[1]
			b = "%s/%s" % (self.base(), t)
			return Response(200, {
				"token_endpoint": b + "/oauth2/v2.0/token",
				"token_endpoint_auth_methods_supported": ["client_secret_post",
									  "private_key_jwt",
									  "client_secret_basic"],
				"jwks_uri": b + "/discovery/v2.0/keys",
				"response_modes_supported": ["query", "fragment", "form_post"],
				"subject_types_supported": ["pairwise"],
				"id_token_signing_alg_values_supported": ["RS256"],
				"response_types_supported": ["code", "id_token", "code id_token",
							     "id_token token"],
				"scopes_supported": ["openid", "profile", "email", "offline_access"],
				"issuer": "https://login.microsoftonline.com/%s/v2.0" % st.tenant,
				"request_uri_parameter_supported": False,
				"userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
				"authorization_endpoint": b + "/oauth2/v2.0/authorize",
				"device_authorization_endpoint": b + "/oauth2/v2.0/devicecode",
				"http_logout_supported": True, "frontchannel_logout_supported": True,
				"end_session_endpoint": b + "/oauth2/v2.0/logout",
				"claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid"],
				"kerberos_endpoint": b + "/kerberos",
				"tenant_region_scope": "EU", "cloud_instance_name": "microsoftonline.com",
				"cloud_graph_host_name": "graph.windows.net",
				"msgraph_host": "graph.microsoft.com", "rbac_url": "https://pas.windows.net"})
		if self.url_path.endswith("/discovery/instance"):
			host = self.headers.get("Host") or "localhost"
			return Response(200, {"tenant_discovery_endpoint": "%s/%s/v2.0/.well-known/"
					      "openid-configuration" % (self.base(), st.tenant),
					      "api-version": "1.1",
					      "metadata": [{"preferred_network": host,
							    "preferred_cache": host, "aliases": [host]}]})
		if len(parts) != 5 or parts[2:] != ["oauth2", "v2.0", "token"]:
			return Response(404, "Not found", ctype="text/plain; charset=utf-8")
		if self.method != "POST":
			return self.aad_error(405, "invalid_request", 900561,
					      "The endpoint only accepts POST requests.")
		tenant = parts[1]
		if tenant.lower() != st.tenant:
			return self.aad_error(400, "invalid_tenant", 90002,
					      "Tenant '%s' not found. Check to make sure you have the correct "
					      "tenant ID and are signing into the correct cloud." % tenant)
		form = {k: v[0] for k, v in urllib.parse.parse_qs(
			self.body.decode("utf-8", "replace")).items()}
		if form.get("grant_type") != "client_credentials":
			return self.aad_error(400, "unsupported_grant_type", 70003,
					      "The app requested an unsupported grant type.")
		ident = st.identities["workload"]
		if (form.get("client_id") or "").lower() != ident["client_id"]:
			return self.aad_error(400, "unauthorized_client", 700016,
					      "Application with identifier '%s' was not found in the "
					      "directory." % form.get("client_id"))
		scope = form.get("scope") or ""
		if not scope.endswith("/.default"):
			return self.aad_error(400, "invalid_scope", 1002012,
					      "The provided value for scope %s is not valid. Client "
					      "credential flows must have a scope value with /.default "
					      "suffixed to the resource identifier." % scope)
		if form.get("client_assertion_type") != \
				"urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
			return self.aad_error(401, "invalid_client", 7000218,
					      "The request body must contain the following parameter: "
					      "'client_assertion' or 'client_secret'.")
		assertion = form.get("client_assertion") or ""
		claims, why = st.verify(assertion)
		if claims is None:
			return self.aad_error(400, "invalid_client", 50027,
					      "JWT token is invalid or malformed.")
		if assertion != FEDERATED.current or int(claims.get("exp", 0)) <= time.time():
			now = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime())
			return self.aad_error(400, "invalid_client", 700024,
					      "Client assertion is not within its valid time range. Current "
					      "time: %s, assertion valid from %s, expiry time of assertion "
					      "%s. Review the documentation at "
					      "https://learn.microsoft.com/entra/identity-platform/"
					      "certificate-credentials ." % (
						      now,
						      time.strftime("%m/%d/%Y %H:%M:%S",
								    time.gmtime(claims.get("nbf", 0))),
						      time.strftime("%m/%d/%Y %H:%M:%S",
								    time.gmtime(claims.get("exp", 0)))))
		token, c = st.mint(ident, scope)
		life = c["exp"] - c["iat"]
		return Response(200, {"token_type": "Bearer", "expires_in": life,
				      "ext_expires_in": life, "access_token": token})


# ---- Key Vault ---------------------------------------------------------------

class VaultHandler(Handler):
	def extra_headers(self, resp):
		h = [("Cache-Control", "no-cache"), ("Pragma", "no-cache"), ("Expires", "-1"),
		     ("x-ms-keyvault-region", KV_REGION),
		     ("x-ms-request-id", str(uuid.uuid4())),
		     ("x-ms-keyvault-service-version", KV_SERVICE_VERSION),
		     ("x-ms-keyvault-network-info",
		      "conn_type=Ipv4;addr=127.0.0.1;act_addr_fam=InterNetwork;"),
		     ("X-Content-Type-Options", "nosniff"),
		     ("Strict-Transport-Security", "max-age=31536000;includeSubDomains")]
		crid = self.headers.get("x-ms-client-request-id")
		if crid:
			h.append(("x-ms-client-request-id", crid))
		if resp.status == 401 and not any(k.lower() == "www-authenticate"
						  for k, _ in resp.headers):
			h.append(("WWW-Authenticate", self.challenge_header()))
		return h

	def kv_error(self, status, code, message, inner=None):
		err = {"code": code, "message": message}
		if inner:
			err["innererror"] = {"code": inner}
		return Response(status, {"error": err})

	def base_url(self):
		host = self.headers.get("Host") or "myvault.vault.azure.net"
		if host.endswith(":443"):
			host = host[:-4]
		return "https://" + host

	def vault_name(self):
		host = (self.headers.get("Host") or "myvault").split(":")[0]
		return host.split(".")[0]

	def unauthorized(self):
		st = self.server.state
		if self.claims is None:
			if self.bearer_error is None and not self.headers.get("Authorization"):
				return self.kv_error(401, "Unauthorized",
						     "AKV10000: Request is missing a Bearer or PoP token.")
			return self.kv_error(401, "Unauthorized",
					     "AKV10046: Unable to resolve the key used for signature "
					     "validation.")
		aud = self.claims.get("aud")
		if aud != VAULT_RESOURCE and aud != "cfa8b339-82a2-471a-a3c9-0fc0be7a4093":
			return self.kv_error(401, "Unauthorized",
					     "AKV10022: Invalid audience. Expected %s, found: %s."
					     % (VAULT_RESOURCE, aud))
		if int(self.claims.get("exp", 0)) <= time.time():
			return self.kv_error(401, "Unauthorized",
					     "[TokenExpired] Error validating token: 'S2S12086'.")
		if self.claims.get("tid") != st.tenant:
			return self.kv_error(401, "Unauthorized",
					     "AKV10032: Invalid issuer. Expected one of https://sts.windows.net/"
					     "%s/, found %s." % (st.tenant, self.claims.get("iss")))
		return None

	def forbidden(self, op, name):
		st = self.server.state
		ident = st.find_identity("object_id", self.claims.get("oid", ""))
		if ident and op in st.perms.get(ident["name"], set()):
			return None
		actions = {"get": "getSecret/action", "set": "setSecret/action",
			   "delete": "delete", "list": "readMetadata/action",
			   "recover": "recover/action", "purge": "deletedSecrets/purge/action"}
		action = "Microsoft.KeyVault/vaults/secrets/" + actions[op]
		if op == "purge":
			action = "Microsoft.KeyVault/vaults/deletedSecrets/purge/action"
		vault = self.vault_name()
		res = ("/subscriptions/%s/resourcegroups/%s/providers/microsoft.keyvault/vaults/%s%s"
		       % (SUBSCRIPTION, RESOURCE_GROUP, vault, "/secrets/" + name.lower() if name else ""))
		msg = ("Caller is not authorized to perform action on resource.\r\n"
		       "If role assignments, deny assignments or role definitions were changed "
		       "recently, please observe propagation time.\r\n"
		       "Caller: appid=%s;oid=%s;iss=https://sts.windows.net/%s/\r\n"
		       "Action: '%s'\r\n"
		       "Resource: '%s'\r\n"
		       "Assignment: (not found)\r\n"
		       "DenyAssignmentId: null\r\n"
		       "DecisionReason: null \r\n"
		       "Vault: %s;location=%s\r\n"
		       % (self.claims.get("appid"), self.claims.get("oid"), st.tenant,
			  action, res, vault, KV_REGION))
		return self.kv_error(403, "Forbidden", msg, "ForbiddenByRbac")

	def bundle(self, name, v, with_value=True):
		out = {}
		if with_value:
			out["value"] = v["value"]
		if v.get("contentType") is not None:
			out["contentType"] = v["contentType"]
		out["id"] = "%s/secrets/%s/%s" % (self.base_url(), name, v["version"])
		attrs = {"enabled": v["enabled"]}
		if v.get("nbf") is not None:
			attrs["nbf"] = v["nbf"]
		if v.get("exp") is not None:
			attrs["exp"] = v["exp"]
		attrs.update({"created": v["created"], "updated": v["updated"],
			      "recoveryLevel": RECOVERY_LEVEL, "recoverableDays": RECOVERABLE_DAYS})
		out["attributes"] = attrs
		if v.get("tags") is not None:
			out["tags"] = v["tags"]
		return out

	def deleted_bundle(self, d):
		latest = d["versions"][-1]
		out = {"recoveryId": "%s/deletedsecrets/%s" % (self.base_url(), d["name"]),
		       "deletedDate": d["deletedDate"], "scheduledPurgeDate": d["scheduledPurgeDate"]}
		out.update(self.bundle(d["name"], latest, with_value=False))
		return out

	def not_found(self, name):
		return self.kv_error(404, "SecretNotFound",
				     "A secret with (name/id) %s was not found in this key vault. If you "
				     "recently deleted this secret you may be able to recover it using the "
				     "correct recovery command. For help resolving this issue, please see "
				     "https://go.microsoft.com/fwlink/?linkid=2125182" % name)

	def handle_service(self):
		resp = self.unauthorized()
		if resp:
			return resp
		ver = self.q1("api-version")
		if not ver:
			return self.kv_error(400, "BadParameter",
					     "The api-version query parameter is required.")
		if ver not in VAULT_API_VERSIONS:
			return self.kv_error(400, "BadParameter",
					     "The specified version (%s) is not recognized. Consider using "
					     "the latest supported version (%s)." % (ver, VAULT_API_VERSIONS[-1]))
		parts = self.url_path.split("/")[1:]
		m = self.method
		with self.server.state.lock:
			if parts and parts[0] == "secrets":
				return self.route_secrets(m, parts[1:])
			if parts and parts[0] == "deletedsecrets":
				return self.route_deleted(m, parts[1:])
		return self.kv_error(404, "NotFound", "The requested resource was not found.")

	def check_name(self, name):
		if not SECRET_NAME_RE.match(name):
			return self.kv_error(400, "BadParameter",
					     "The request URI contains an invalid name: %s" % name)
		return None

	def route_secrets(self, m, rest):
		st = self.server.state
		if not rest or rest == [""]:
			if m == "GET":
				return self.forbidden("list", None) or self.list_secrets()
			return self.kv_error(405, "MethodNotAllowed", "Method not allowed.")
		name = urllib.parse.unquote(rest[0])
		bad = self.check_name(name)
		if bad:
			return bad
		sub = rest[1:]
		key = name.lower()
		if m == "PUT" and not sub:
			return self.forbidden("set", name) or self.set_secret(name)
		if m == "DELETE" and not sub:
			return self.forbidden("delete", name) or self.delete_secret(name)
		if m == "GET" and sub == ["versions"]:
			if self.forbidden("list", name):
				return self.forbidden("list", name)
			s = st.secrets.get(key)
			if s is None:
				return self.not_found(name)
			return self.list_items([(s["name"], v) for v in s["versions"]], True)
		if m in ("GET", "PATCH") and len(sub) <= 1:
			version = sub[0] if sub else ""
			op = "get" if m == "GET" else "set"
			denied = self.forbidden(op, name)
			if denied:
				return denied
			s = st.secrets.get(key)
			if s is None:
				return self.not_found(name)
			if version:
				vs = [v for v in s["versions"] if v["version"] == version.lower()]
				if not vs:
					return self.not_found("%s/%s" % (name, version))
				v = vs[0]
			else:
				v = s["versions"][-1]
			if m == "PATCH":
				return self.patch_secret(s, v)
			if not v["enabled"]:
				return self.kv_error(403, "Forbidden",
						     "Operation get is not allowed on a disabled secret.",
						     "SecretDisabled")
			return Response(200, self.bundle(s["name"], v))
		if m == "POST" and sub == ["backup"]:
			return self.kv_error(400, "BadParameter", "Backup is not supported by the emulator.")
		return self.kv_error(405, "MethodNotAllowed", "Method not allowed.")

	def json_body(self):
		try:
			obj = json.loads(self.body.decode("utf-8"))
		except (ValueError, UnicodeDecodeError):
			return None
		return obj if isinstance(obj, dict) else None

	def set_secret(self, name):
		obj = self.json_body()
		if obj is None:
			return self.kv_error(400, "BadParameter",
					     "The request body is missing or is not valid JSON.")
		if not isinstance(obj.get("value"), str):
			return self.kv_error(400, "BadParameter", "Property 'value' is required.")
		st = self.server.state
		key = name.lower()
		if key in st.deleted:
			return self.kv_error(409, "Conflict",
					     "Secret %s is currently in a deleted but recoverable state, and "
					     "its name cannot be reused; in this state, the secret can only be "
					     "recovered or purged." % name)
		attrs = obj.get("attributes") or {}
		if len(obj["value"].encode("utf-8")) > 25 * 1024:
			return self.kv_error(400, "BadParameter",
					     "Secret value exceeds the maximum allowed size of 25 KB.")
		v = store_version(st, name, obj["value"], obj.get("contentType"), obj.get("tags"),
				  attrs.get("enabled", True), attrs.get("nbf"), attrs.get("exp"))
		return Response(200, self.bundle(st.secrets[key]["name"], v))

	def patch_secret(self, s, v):
		obj = self.json_body()
		if obj is None:
			return self.kv_error(400, "BadParameter",
					     "The request body is missing or is not valid JSON.")
		if "contentType" in obj:
			v["contentType"] = obj["contentType"]
		if "tags" in obj:
			v["tags"] = obj["tags"]
		for k in ("enabled", "nbf", "exp"):
			if k in (obj.get("attributes") or {}):
				v[k] = obj["attributes"][k]
		v["updated"] = int(time.time())
		return Response(200, self.bundle(s["name"], v, with_value=False))

	def delete_secret(self, name):
		st = self.server.state
		s = st.secrets.pop(name.lower(), None)
		if s is None:
			return self.not_found(name)
		now = int(time.time())
		d = {"name": s["name"], "versions": s["versions"], "deletedDate": now,
		     "scheduledPurgeDate": now + RECOVERABLE_DAYS * 86400}
		st.deleted[name.lower()] = d
		return Response(200, self.deleted_bundle(d))

	def list_items(self, pairs, by_version):
		items = []
		for name, v in pairs:
			b = self.bundle(name, v, with_value=False)
			if not by_version:
				b["id"] = "%s/secrets/%s" % (self.base_url(), name)
			items.append(b)
		return Response(200, {"value": items, "nextLink": None})

	def list_secrets(self):
		st = self.server.state
		return self.list_items([(s["name"], s["versions"][-1])
					for s in st.secrets.values()], False)

	def route_deleted(self, m, rest):
		st = self.server.state
		if not rest or rest == [""]:
			if m == "GET":
				denied = self.forbidden("list", None)
				if denied:
					return denied
				return Response(200, {"value": [self.deleted_bundle(d)
							       for d in st.deleted.values()],
						      "nextLink": None})
			return self.kv_error(405, "MethodNotAllowed", "Method not allowed.")
		name = urllib.parse.unquote(rest[0])
		bad = self.check_name(name)
		if bad:
			return bad
		key = name.lower()
		sub = rest[1:]
		missing = self.kv_error(404, "SecretNotFound",
					"Deleted Secret not found: %s" % name)
		if m == "GET" and not sub:
			denied = self.forbidden("list", name)
			if denied:
				return denied
			d = st.deleted.get(key)
			return Response(200, self.deleted_bundle(d)) if d else missing
		if m == "DELETE" and not sub:
			denied = self.forbidden("purge", name)
			if denied:
				return denied
			if st.deleted.pop(key, None) is None:
				return missing
			return Response(204, b"")
		if m == "POST" and sub == ["recover"]:
			denied = self.forbidden("recover", name)
			if denied:
				return denied
			d = st.deleted.pop(key, None)
			if d is None:
				return missing
			st.secrets[key] = {"name": d["name"], "versions": d["versions"]}
			return Response(200, self.bundle(d["name"], d["versions"][-1], with_value=False))
		return self.kv_error(405, "MethodNotAllowed", "Method not allowed.")


def store_version(st, name, value, content_type=None, tags=None, enabled=True, nbf=None,
		  exp=None):
	now = int(time.time())
	v = {"version": new_version(), "value": value, "contentType": content_type,
	     "tags": tags, "enabled": bool(enabled), "nbf": nbf, "exp": exp,
	     "created": now, "updated": now}
	with st.lock:
		s = st.secrets.setdefault(name.lower(), {"name": name, "versions": []})
		s["versions"].append(v)
	return v


# ---- control port ------------------------------------------------------------

class ControlHandler(http.server.BaseHTTPRequestHandler):
	protocol_version = "HTTP/1.1"
	disable_nagle_algorithm = True

	def log_message(self, fmt, *args):
		pass

	def do_POST(self):
		n = int(self.headers.get("Content-Length") or 0)
		try:
			data = self.rfile.read(n)
			if self.headers.get("Content-Type", "").startswith("application/json"):
				argv = json.loads(data)["argv"]
			else:
				argv = urllib.parse.parse_qs(data.decode("utf-8"),
							     keep_blank_values=True).get("a", [])
			code, out = control(self.server.state, argv)
		except (ValueError, KeyError, IndexError, TypeError) as e:
			code, out = 2, "emuctl: %s\n" % e
		data = out.encode()
		self.send_response(200)
		self.send_header("Content-Type", "text/plain; charset=utf-8")
		self.send_header("Content-Length", str(len(data)))
		self.send_header("X-Exit", str(code))
		self.end_headers()
		self.wfile.write(data)


SERVICES = ("imds", "appservice", "arc", "cloudshell", "azureml", "servicefabric",
	    "authority", "vault")


def control(st, argv):
	if not argv:
		raise ValueError("no command")
	cmd, args = argv[0], argv[1:]
	if cmd == "secret-set":
		name, value = args[0], args[1]
		ct = tags = nbf = exp = None
		enabled = True
		i = 2
		while i < len(args):
			opt = args[i]
			val = args[i + 1]
			if opt == "--content-type":
				ct = val
			elif opt == "--tag":
				k, _, tv = val.partition("=")
				tags = dict(tags or {})
				tags[k] = tv
			elif opt == "--enabled":
				enabled = val == "true"
			elif opt == "--nbf":
				nbf = parse_time_arg(val)
			elif opt == "--exp":
				exp = parse_time_arg(val)
			else:
				raise ValueError("unknown option %s" % opt)
			i += 2
		with st.lock:
			st.deleted.pop(name.lower(), None)
			v = store_version(st, name, value, ct, tags, enabled, nbf, exp)
		return 0, v["version"] + "\n"
	if cmd == "secret-show":
		with st.lock:
			s = st.secrets.get(args[0].lower())
			d = st.deleted.get(args[0].lower())
			if s is None and d is None:
				return 1, "no such secret\n"
			return 0, jdump({"deleted": s is None, "versions": (s or d)["versions"]}) + "\n"
	if cmd == "secret-delete":
		with st.lock:
			s = st.secrets.pop(args[0].lower(), None)
			if s is None:
				return 1, "no such secret\n"
			now = int(time.time())
			st.deleted[args[0].lower()] = {"name": s["name"], "versions": s["versions"],
						       "deletedDate": now,
						       "scheduledPurgeDate": now + RECOVERABLE_DAYS * 86400}
		return 0, ""
	if cmd == "secret-purge":
		with st.lock:
			st.secrets.pop(args[0].lower(), None)
			st.deleted.pop(args[0].lower(), None)
		return 0, ""
	if cmd == "fault":
		service, spec = args[0], ",".join(args[1:])
		if service not in SERVICES:
			raise ValueError("unknown service %s (one of %s)" % (service, " ".join(SERVICES)))
		st.set_faults(service, spec)
		return 0, ""
	if cmd == "faults":
		with st.lock:
			return 0, "".join("%s: %s\n" % (s, ", ".join(f.describe() for f in q))
					  for s, q in st.faults.items() if q)
	if cmd == "log":
		with st.lock:
			entries = [e for e in st.log if not args or e["service"] == args[0]]
		return 0, "".join(jdump(e) + "\n" for e in entries)
	if cmd == "count":
		sub = args[1] if len(args) > 1 else None
		with st.lock:
			n = sum(1 for e in st.log if e["service"] == args[0] and "method" in e and
				(sub is None or sub in e["path"]))
		return 0, "%d\n" % n
	if cmd == "clear-log":
		with st.lock:
			st.log = []
		return 0, ""
	if cmd == "reset":
		with st.lock:
			st.log = []
			st.faults = {}
			st.secrets = {}
			st.deleted = {}
			st.reset_perms()
			st.token_lifetime = 86399
			st.ratelimit = not st.args.no_rate_limit
		return 0, ""
	if cmd == "perms":
		ident = st.identities.get(args[0]) or st.find_identity("client_id", args[0]) \
			or st.find_identity("object_id", args[0])
		if ident is None:
			raise ValueError("unknown identity %s" % args[0])
		ops = set() if args[1] == "none" else set(SECRET_OPS) if args[1] == "all" \
			else set(args[1].split(","))
		if not ops <= set(SECRET_OPS):
			raise ValueError("operations are %s" % ",".join(SECRET_OPS))
		with st.lock:
			st.perms[ident["name"]] = ops
		return 0, ""
	if cmd == "ratelimit":
		st.ratelimit = args[0] == "on"
		return 0, ""
	if cmd == "token-lifetime":
		st.token_lifetime = int(args[0])
		return 0, ""
	if cmd == "token":
		ident = st.identities[args[0] if args else "system"]
		resource = args[1] if len(args) > 1 else VAULT_RESOURCE
		lifetime = int(args[2]) if len(args) > 2 else None
		return 0, st.mint(ident, resource, lifetime)[0] + "\n"
	if cmd == "identities":
		return 0, "".join(jdump(i) + "\n" for i in st.identities.values())
	if cmd == "federated-rotate":
		FEDERATED.rotate(st)
		return 0, ""
	if cmd == "ping":
		return 0, "pong\n"
	raise ValueError("unknown command %s" % cmd)


class Federated:
	"""The workload-identity service-account token file (kubelet's role)."""

	def __init__(self):
		self.current = None

	def rotate(self, st):
		now = int(time.time())
		claims = {"aud": ["api://AzureADTokenExchange"], "exp": now + 3600, "iat": now,
			  "iss": "https://oidc.emulator.localhost/%s/" % st.tenant, "nbf": now,
			  "sub": "system:serviceaccount:default:azkv",
			  "jti": str(uuid.uuid4())}
		header = {"alg": "RS256", "kid": "emu-sa", "typ": "JWT"}
		signing = b64url(jdump(header).encode()) + "." + b64url(jdump(claims).encode())
		sig = hmac.new(st.key, signing.encode(), hashlib.sha256).digest()
		token = signing + "." + b64url(sig)
		path = st.args.federated_token_file
		tmp = path + ".tmp"
		with open(tmp, "w", encoding="ascii") as f:
			f.write(token)
		os.replace(tmp, path)
		self.current = token


FEDERATED = Federated()


# ---- certificates ----------------------------------------------------------------

def openssl(*args):
	subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL,
		       stderr=subprocess.PIPE)


SAN = ("DNS:localhost,IP:127.0.0.1,IP:::1,DNS:*.vault.localhost,DNS:myvault.vault.localhost,"
       "DNS:myvault.vault.azure.net,DNS:*.vault.azure.net,DNS:login.microsoftonline.localhost")


def make_ca(d, name, cn):
	key, pem = os.path.join(d, name + ".key"), os.path.join(d, name + ".pem")
	openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
		"-nodes", "-keyout", key, "-out", pem, "-days", "3650", "-subj", "/CN=" + cn,
		"-addext", "basicConstraints=critical,CA:TRUE",
		"-addext", "keyUsage=critical,keyCertSign,cRLSign")
	return key, pem


def make_leaf(d, name, ca, cn, san):
	key, pem, csr = (os.path.join(d, name + x) for x in (".key", ".pem", ".csr"))
	ext = os.path.join(d, name + ".ext")
	with open(ext, "w", encoding="ascii") as f:
		f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\n"
			"keyUsage=critical,digitalSignature,keyEncipherment\n"
			"extendedKeyUsage=serverAuth\n" % san)
	openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
		"-keyout", key, "-out", csr, "-subj", "/CN=" + cn)
	openssl("x509", "-req", "-in", csr, "-CA", ca[1], "-CAkey", ca[0], "-CAcreateserial",
		"-out", pem, "-days", "825", "-extfile", ext)
	return key, pem


def make_expired_leaf(d, name, ca, cn, san):
	"""A leaf from the test CA whose validity ended in 2020 (openssl ca sets dates)."""
	key, pem, csr = (os.path.join(d, name + x) for x in (".key", ".pem", ".csr"))
	ext, cnf = os.path.join(d, name + ".ext"), os.path.join(d, name + ".cnf")
	db = os.path.join(d, name + ".db")
	os.makedirs(db, exist_ok=True)
	open(os.path.join(db, "index.txt"), "w").close()
	with open(os.path.join(db, "serial"), "w", encoding="ascii") as f:
		f.write("1000\n")
	with open(ext, "w", encoding="ascii") as f:
		f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\n"
			"extendedKeyUsage=serverAuth\n" % san)
	with open(cnf, "w", encoding="ascii") as f:
		f.write("[ca]\ndefault_ca=d\n[d]\ndatabase=%s/index.txt\nnew_certs_dir=%s\n"
			"serial=%s/serial\ndefault_md=sha256\npolicy=p\nunique_subject=no\n"
			"[p]\ncommonName=supplied\n" % (db, db, db))
	openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
		"-keyout", key, "-out", csr, "-subj", "/CN=" + cn)
	openssl("ca", "-batch", "-notext", "-config", cnf, "-cert", ca[1], "-keyfile", ca[0],
		"-in", csr, "-out", pem, "-startdate", "20200101000000Z",
		"-enddate", "20200201000000Z", "-extfile", ext)
	return key, pem


def make_self_signed(d, name, cn, san):
	key, pem = os.path.join(d, name + ".key"), os.path.join(d, name + ".pem")
	openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
		"-nodes", "-keyout", key, "-out", pem, "-days", "825", "-subj", "/CN=" + cn,
		"-addext", "subjectAltName=" + san)
	return key, pem


def thumbprint(pem):
	with open(pem, encoding="ascii") as f:
		der = ssl.PEM_cert_to_DER_cert(f.read())
	return hashlib.sha1(der).hexdigest().upper()


def tls_context(certkey):
	ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
	ctx.load_cert_chain(certkey[1], certkey[0])
	return ctx


# ---- main ------------------------------------------------------------------------

def parse_listen(text):
	host, _, port = text.rpartition(":")
	return host.strip("[]") or "127.0.0.1", int(port)


def main():
	ap = argparse.ArgumentParser(description="Azure emulator for azkv tests")
	ap.add_argument("--state-dir", required=True)
	ap.add_argument("--imds-listen", default="127.0.0.1:0")
	ap.add_argument("--vault-listen", default="127.0.0.1:0")
	ap.add_argument("--listen-host", default="127.0.0.1",
			help="address for every other port")
	ap.add_argument("--arc-key-dir", default=None)
	ap.add_argument("--federated-token-file", default=None)
	ap.add_argument("--no-rate-limit", action="store_true")
	args = ap.parse_args()
	d = os.path.abspath(args.state_dir)
	os.makedirs(d, exist_ok=True)
	args.state_dir = d
	if args.arc_key_dir is None:
		args.arc_key_dir = os.path.join(d, "arc-tokens")
	if args.federated_token_file is None:
		args.federated_token_file = os.path.join(d, "federated-token")
	signal.signal(signal.SIGTERM, lambda *a: (STOP.set(), os._exit(0)))

	ca = make_ca(d, "ca", "azkv emulator test CA")
	server_cert = make_leaf(d, "server", ca, "myvault.vault.localhost", SAN)
	wrong_cert = make_leaf(d, "wrongname", ca, "wrong.example.net", "DNS:wrong.example.net")
	other_ca = make_ca(d, "untrusted-ca", "untrusted CA")
	untrusted_cert = make_leaf(d, "untrusted", other_ca, "myvault.vault.localhost", SAN)
	expired_cert = make_expired_leaf(d, "expired", ca, "myvault.vault.localhost", SAN)
	sf_cert = make_self_signed(d, "servicefabric", "servicefabric.emulator.localhost",
				   "DNS:localhost,IP:127.0.0.1")
	os.makedirs(args.arc_key_dir, exist_ok=True)

	st = State(args)
	FEDERATED.rotate(st)
	servers = {}

	def start(name, handler, addr, tls=None):
		srv = QuietServer(addr, handler, name, st, tls)
		servers[name] = srv
		threading.Thread(target=srv.serve_forever, name=name, daemon=True).start()
		return srv

	h = args.listen_host
	start("imds", ImdsHandler, parse_listen(args.imds_listen))
	start("vault", VaultHandler, parse_listen(args.vault_listen), tls_context(server_cert))
	start("control", ControlHandler, (h, 0))
	start("appservice", AppServiceHandler, (h, 0))
	start("arc", ArcHandler, (h, 0))
	start("cloudshell", CloudShellHandler, (h, 0))
	start("azureml", AzureMLHandler, (h, 0))
	start("servicefabric", ServiceFabricHandler, (h, 0), tls_context(sf_cert))
	start("authority", AuthorityHandler, (h, 0), tls_context(server_cert))
	for name, cert in (("wrongname", wrong_cert), ("untrusted", untrusted_cert),
			   ("expired", expired_cert)):
		srv = QuietServer((h, 0), VaultHandler, "vault", st, tls_context(cert))
		servers["vault-" + name] = srv
		threading.Thread(target=srv.serve_forever, daemon=True).start()

	def port(name):
		return servers[name].server_address[1]

	def url_host(name):
		a = servers[name].server_address[0]
		return "[%s]" % a if ":" in a else a

	vault_host = "myvault.vault.localhost:%d" % port("vault")
	sys_id = st.identities["system"]
	env = {
		"EMU_STATE": d,
		"EMU_PID": str(os.getpid()),
		"EMU_CONTROL": "http://%s:%d" % (url_host("control"), port("control")),
		"EMU_IMDS": "http://%s:%d" % (url_host("imds"), port("imds")),
		"EMU_IMDS_PORT": str(port("imds")),
		"EMU_VAULT_PORT": str(port("vault")),
		"EMU_VAULT_URL": "https://" + vault_host,
		"EMU_VAULT_HOST": vault_host.split(":")[0],
		"EMU_VAULT_NAME": "myvault",
		"EMU_CA": ca[1],
		"EMU_TENANT": st.tenant,
		"EMU_SUBSCRIPTION": SUBSCRIPTION,
		"EMU_FEDERATED_TOKEN_FILE": args.federated_token_file,
		"EMU_ARC_KEY_DIR": args.arc_key_dir,
		"EMU_SYSTEM_CLIENT_ID": sys_id["client_id"],
		"EMU_SYSTEM_OBJECT_ID": sys_id["object_id"],
		"EMU_SYSTEM_RESOURCE_ID": sys_id["resource_id"],
	}
	for n in ("ua1", "ua2", "ua3"):
		i = st.identities[n]
		env["EMU_%s_CLIENT_ID" % n.upper()] = i["client_id"]
		env["EMU_%s_OBJECT_ID" % n.upper()] = i["object_id"]
		env["EMU_%s_RESOURCE_ID" % n.upper()] = i["resource_id"]
	env["EMU_WI_CLIENT_ID"] = st.identities["workload"]["client_id"]
	env["EMU_WI_OBJECT_ID"] = st.identities["workload"]["object_id"]

	def base(name, scheme="http"):
		return "%s://%s:%d" % (scheme, url_host(name), port(name))
	env.update({
		"EMU_VAULT_WRONGNAME_URL": "https://myvault.vault.localhost:%d" % port("vault-wrongname"),
		"EMU_VAULT_UNTRUSTED_URL": "https://myvault.vault.localhost:%d" % port("vault-untrusted"),
		"EMU_VAULT_EXPIRED_URL": "https://myvault.vault.localhost:%d" % port("vault-expired"),
		"EMU_APPSERVICE_ENDPOINT": base("appservice") + "/msi/token",
		"EMU_APPSERVICE_HEADER": st.appservice_secret,
		"EMU_ARC_IMDS_ENDPOINT": base("arc"),
		"EMU_ARC_ENDPOINT": base("arc") + IMDS_TOKEN_PATH,
		"EMU_CLOUDSHELL_ENDPOINT": base("cloudshell") + "/oauth2/token",
		"EMU_AZUREML_ENDPOINT": base("azureml") + "/MSI/token",
		"EMU_AZUREML_SECRET": st.azureml_secret,
		"EMU_SF_ENDPOINT": "https://localhost:%d%s" % (port("servicefabric"), IMDS_TOKEN_PATH),
		"EMU_SF_HEADER": st.sf_secret,
		"EMU_SF_THUMBPRINT": thumbprint(sf_cert[1]),
		"EMU_SF_CERT": sf_cert[1],
		"EMU_AUTHORITY": "https://localhost:%d" % port("authority"),
	})
	with open(os.path.join(d, "control.port"), "w", encoding="ascii") as f:
		f.write("%d\n" % port("control"))
	tmp = os.path.join(d, "env.sh.tmp")
	with open(tmp, "w", encoding="utf-8") as f:
		for k, v in env.items():
			f.write("%s='%s'; export %s\n" % (k, v.replace("'", "'\\''"), k))
	os.replace(tmp, os.path.join(d, "env.sh"))
	try:
		while True:
			time.sleep(3600)
	except KeyboardInterrupt:
		pass
	STOP.set()


if __name__ == "__main__":
	main()
