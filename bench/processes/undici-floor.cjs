// The undici floor, per process: the same two pre-built form POSTs as https-floor.cjs, sent with the HTTP client the
// engine ships (undici's Agent and request, from dist/engine.js's own modules) on one kept-alive connection. The gap
// between this and https-floor.cjs is what loading and running undici costs a process; the gap between the CLI and
// this is what the engine and the CLI add. Input: one JSON argument (authority, tenant, blueprint, agent, secret, scope).
'use strict';
require('node:v8').setFlagsFromString('--liftoff-only'); // as the CLI does
// Built by the benchmark (bench/index.ts) from src/core/engine/httpAgent.ts with the engine's own esbuild settings.
const { Agent } = require(process.env.UNDICI_AGENT_BUNDLE);

const { authority, tenant, blueprint, agent, secret, scope } = JSON.parse(process.argv[2]);
const dispatcher = new Agent({ connections: 1 });
const { origin } = new URL(authority);
const path = `/${tenant}/oauth2/v2.0/token`;
const headers = { 'content-type': 'application/x-www-form-urlencoded' };

(async () => {
  const r1 = await dispatcher.request({
    origin,
    path,
    method: 'POST',
    headers,
    body: `client_id=${blueprint}&scope=api%3A%2F%2FAzureADTokenExchange%2F.default&fmi_path=${agent}&grant_type=client_credentials&client_secret=${encodeURIComponent(secret)}`,
  });
  const t1 = await r1.body.json();
  const r2 = await dispatcher.request({
    origin,
    path,
    method: 'POST',
    headers,
    body: `client_id=${agent}&scope=${encodeURIComponent(scope)}&grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${t1.access_token}`,
  });
  const final = await r2.body.json();
  process.stdout.write(`${JSON.stringify({ accessToken: final.access_token })}\n`);
  await dispatcher.close();
})();
