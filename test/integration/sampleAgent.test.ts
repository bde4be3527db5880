// samples/sidecar-agent, run as a user runs it: its own Node process whose environment is PATH and the sidecar settings
// only, against a sandbox tenant and a sidecar over real loopback HTTP. It gets the agent's token through the Agents
// SDK and over plain HTTP, calls the sandbox's weather API with each, and never prints a token or a secret.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { sidecarSettingsText } from '../../src/extension/sidecar/sidecarSettings';
import { AgentSidecar, type SidecarRequestRecord } from '../../src/sidecar/sidecarServer';
import { sidecarSettingsEnv } from '../sdkAgent';
import { startSandboxSidecar } from '../sidecarConfig';
import { AGENT, BLUEPRINT, OTHER_AGENT, SANDBOX_TENANT, sandboxAndEngine, SECRET } from '../helpers';

const SAMPLE = join(__dirname, '..', '..', 'samples', 'sidecar-agent', 'agent.ts');
const ROOT = join(__dirname, '..', '..');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe('the sample agent (samples/sidecar-agent) against the sidecar', function () {
  // A child Node that compiles the sample with tsx and loads the Agents SDK: seconds, not milliseconds.
  this.timeout(60_000);
  let sidecar: AgentSidecar;
  let env: Record<string, string>;
  const records: SidecarRequestRecord[] = [];
  /** Every token the sidecar served: none may appear in the sample's output. */
  const served: string[] = [];

  // Before the helper's hooks, so that (mocha runs after() hooks in order) the sidecar stops first, as it did.
  after(async () => {
    await sidecar?.stop();
  });
  const live = sandboxAndEngine({ engine: { retryBaseDelayMs: 10 }, engineFor: 'suite' });
  before(async () => {
    sidecar = await startSandboxSidecar(live, {
      onRequest: (record, result) => {
        records.push(record);
        if (result) served.push(result.accessToken, result.t1.raw);
      },
    });
    // What "Copy Sidecar Settings" copies, as the sample's whole environment (with PATH).
    env = sidecarSettingsEnv(
      sidecarSettingsText({
        url: sidecar.url,
        blueprintName: 'Sandbox Blueprint',
        blueprintId: BLUEPRINT,
        tenant: SANDBOX_TENANT,
        agentId: AGENT,
      }),
    );
  });
  beforeEach(() => {
    records.length = 0;
  });

  const runSample = (agent: string): Promise<Run> =>
    new Promise((resolve) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', SAMPLE, agent, `${live.sandbox.authority}/apis/weather`],
        { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 50_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      ),
    );

  /** No token (a JWT starts "eyJ"), none the sidecar served, and not the blueprint's secret. */
  const assertNothingSecret = (run: Run) => {
    const output = `${run.stdout}\n${run.stderr}`;
    assert.doesNotMatch(output, /eyJ/, 'no JWT in the output');
    assert.ok(!output.includes(SECRET), "not the blueprint's secret");
    assert.ok(served.length > 0 && !served.some((t) => output.includes(t)), 'no token the sidecar served');
  };

  it('is configured by the sidecar settings alone, which hold no secret', () => {
    assert.deepEqual(Object.keys(env).sort(), [
      'SIDECAR_URL',
      'connectionsMap__0__connection',
      'connectionsMap__0__serviceUrl',
      'connections__serviceConnection__settings__authType',
      'connections__serviceConnection__settings__clientId',
      'connections__serviceConnection__settings__tenantId',
    ]);
    assert.ok(!Object.values(env).some((v) => v.includes(SECRET)));
  });

  it("gets the Research Agent's token through the Agents SDK and over plain HTTP, and the weather API answers 200 to both", async () => {
    const run = await runSample(AGENT);
    // First: a failing assertion below prints the output, which must hold no token to print.
    assertNothingSecret(run);
    assert.equal(run.code, 0, `exit code (stderr: ${run.stderr})`);
    assert.equal(run.stderr, '');
    for (const way of ['sdk', 'http']) {
      // The token is the agent's own (not the blueprint's), with the API's app role.
      assert.match(run.stdout, new RegExp(`^\\[${way}\\] token: aud=\\S+ appid=${AGENT} roles=Forecast\\.Read$`, 'm'));
      assert.match(
        run.stdout,
        new RegExp(
          `^\\[${way}\\] GET ${live.sandbox.authority}/apis/weather -> 200 OK \\(caller ${AGENT}; today: Sunny`,
          'm',
        ),
      );
    }
    // Both ways reached the sidecar for the agent's token for the weather API: the SDK's request and the plain one.
    const asked = records.filter((r) => r.route === '/AuthorizationHeaderUnauthenticated');
    assert.deepEqual(
      asked.map((r) => [r.api, r.agentId, r.scope, r.status]),
      [
        ['weather', AGENT, 'api://sandbox-weather/.default', 200],
        ['weather', AGENT, 'api://sandbox-weather/.default', 200],
      ],
    );
  });

  it('says why, and exits 1, when the API refuses the Support Agent (it lacks the role)', async () => {
    const run = await runSample(OTHER_AGENT);
    // First: a failing assertion below prints the output, which must hold no token to print.
    assertNothingSecret(run);
    assert.equal(run.code, 1, `exit code (stdout: ${run.stdout})`);
    for (const way of ['sdk', 'http']) {
      assert.match(run.stdout, new RegExp(`^\\[${way}\\] token: aud=\\S+ appid=${OTHER_AGENT} roles=\\(none\\)$`, 'm'));
      assert.match(
        run.stderr,
        new RegExp(
          `^\\[${way}\\] The API answered 403 Forbidden: .*app role Forecast\\.Read.*grant it the API's app role`,
          'm',
        ),
      );
    }
    assert.doesNotMatch(run.stdout, /-> 200/);
  });

  it("passes Entra's refusal of an unknown agent on, both ways, and exits 1", async () => {
    const unknown = '99999999-9999-4999-8999-999999999999';
    const run = await runSample(unknown);
    assert.doesNotMatch(`${run.stdout}${run.stderr}`, /eyJ/, 'no JWT in the output');
    assert.ok(!`${run.stdout}${run.stderr}`.includes(SECRET), "not the blueprint's secret");
    assert.equal(run.code, 1);
    // The SDK shows the problem's title only, as it would for the container ("Unauthorized"); plain HTTP reads the
    // detail too, where the container puts Entra's description.
    assert.match(run.stderr, /^\[sdk\] The Agents SDK got no token from the sidecar: .*401: Unauthorized/m);
    assert.match(run.stderr, /^\[http\] The sidecar answered 401: Unauthorized\. AADSTS700016: /m);
    assert.doesNotMatch(run.stdout, /token:/);
  });
});
