// conformance.js: drive the official Azure SDK for JavaScript (ManagedIdentityCredential +
// SecretClient) against the azkv emulator; prints one JSON line with the outcome.
//
// usage: node conformance.js VAULT_URL get NAME [VERSION] | set NAME (value on stdin)
// env:   SDK_CLIENT_ID     select a user-assigned identity by client id
//        SDK_RESOLVE_HOST  resolve this host name to 127.0.0.1 (a test-only DNS entry, so
//                          that a *.vault.azure.net URL keeps challenge verification on)
//        SDK_NO_VERIFY=1   disableChallengeResourceVerification (for *.localhost vaults)
//        SDK_CREDENTIAL=workload  WorkloadIdentityCredential (AZURE_TENANT_ID, AZURE_CLIENT_ID,
//                          AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST) instead
"use strict";

const dns = require("dns");
const { ManagedIdentityCredential, WorkloadIdentityCredential } = require("@azure/identity");
const { SecretClient } = require("@azure/keyvault-secrets");

function pinHost(host) {
	const orig = dns.lookup;
	dns.lookup = function (name, options, cb) {
		if (typeof options === "function") {
			cb = options;
			options = {};
		}
		if (name.toLowerCase() !== host.toLowerCase())
			return orig.call(dns, name, options, cb);
		if (options && options.all)
			return process.nextTick(cb, null, [{ address: "127.0.0.1", family: 4 }]);
		return process.nextTick(cb, null, "127.0.0.1", 4);
	};
}

function readStdin() {
	return new Promise((resolve, reject) => {
		const chunks = [];
		process.stdin.on("data", (c) => chunks.push(c));
		process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
		process.stdin.on("error", reject);
	});
}

async function main() {
	const [vaultUrl, op, name, version] = process.argv.slice(2);
	if (!vaultUrl || !op || !name) {
		console.error("usage: node conformance.js VAULT_URL get|set NAME [VERSION]");
		process.exit(2);
	}
	if (process.env.SDK_RESOLVE_HOST)
		pinHost(process.env.SDK_RESOLVE_HOST);
	let credential;
	if (process.env.SDK_CREDENTIAL === "workload")
		credential = new WorkloadIdentityCredential({ disableInstanceDiscovery: true });
	else if (process.env.SDK_CLIENT_ID)
		credential = new ManagedIdentityCredential({ clientId: process.env.SDK_CLIENT_ID });
	else
		credential = new ManagedIdentityCredential();
	const client = new SecretClient(vaultUrl, credential, {
		disableChallengeResourceVerification: process.env.SDK_NO_VERIFY === "1",
		retryOptions: { maxRetries: 1, retryDelayInMs: 100 },
	});
	try {
		let s;
		if (op === "get")
			s = await client.getSecret(name, version ? { version } : {});
		else if (op === "set")
			s = await client.setSecret(name, await readStdin(), { contentType: "text/plain" });
		else
			throw new Error("unknown operation " + op);
		console.log(JSON.stringify({ ok: true, value: s.value, id: s.properties.id,
			version: s.properties.version, contentType: s.properties.contentType,
			enabled: s.properties.enabled }));
	} catch (e) {
		console.log(JSON.stringify({ ok: false, name: e.name, statusCode: e.statusCode,
			code: e.code, message: String(e.message).split("\n")[0] }));
		process.exitCode = 1;
	}
}

main();
