// The per-process floor: a process that sends the two pre-built form POSTs with node's built-in https on one
// kept-alive connection, and prints the final token as JSON. Input: one JSON argument (authority, tenant, blueprint,
// agent, secret, scope). NODE_EXTRA_CA_CERTS trusts the sandbox's test CA.
'use strict';
const https = require('node:https');

const { authority, tenant, blueprint, agent, secret, scope } = JSON.parse(process.argv[2]);
const agentPool = new https.Agent({ keepAlive: true, maxSockets: 1 });
const url = new URL(`${authority}/${tenant}/oauth2/v2.0/token`);

function post(body) {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: 'POST',
        agent: agentPool,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

(async () => {
  const t1 = await post(
    `client_id=${blueprint}&scope=api%3A%2F%2FAzureADTokenExchange%2F.default&fmi_path=${agent}&grant_type=client_credentials&client_secret=${encodeURIComponent(secret)}`,
  );
  const final = await post(
    `client_id=${agent}&scope=${encodeURIComponent(scope)}&grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${t1.access_token}`,
  );
  process.stdout.write(`${JSON.stringify({ accessToken: final.access_token })}\n`);
  agentPool.destroy();
})();
