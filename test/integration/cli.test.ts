import { unsignedJwt } from '../jwtText';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { cli, cliSuiteSandbox, cliPath, root, type Run, sandboxAgentArgs, sandboxBlueprintArgs } from '../cliRunner';
import {
  AGENT,
  AGENT_USER_ID,
  AGENT_USER_UPN,
  BLUEPRINT,
  FED_AGENT,
  FED_BLUEPRINT,
  MI_CLIENT_ID,
  WORKLOAD_SUBJECT,
  CERT_AGENT,
  CERT_BLUEPRINT,
  DISABLED_AGENT,
  fixtures,
  userToken,
  SECRET,
  startSandbox,
} from '../helpers';

const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

describe('CLI', function () {
  this.timeout(30_000);
  const sandbox = cliSuiteSandbox();

  const tokenArgs = (...extra: string[]) => [
    'token',
    ...sandboxBlueprintArgs(sandbox().authority),
    '--agent',
    AGENT,
    ...extra,
  ];
  const withSecret = { BLUEPRINT_SECRET: SECRET };

  describe('basics', () => {
    it('--version prints the package version', async () => {
      const r = await cli(['--version']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, `${version}\n`, '']);
    });
    for (const cmd of [[], ['token'], ['decode'], ['sandbox']]) {
      it(`--help for ${cmd[0] ?? 'the program'}`, async () => {
        const r = await cli([...cmd, '--help']);
        assert.equal(r.code, 0);
        assert.match(r.stdout, /Usage/);
      });
    }
    it('no command → usage, exit 2', async () => {
      const r = await cli([]);
      assert.equal(r.code, 2);
      assert.match(r.stdout, /Usage/);
    });
    it('an unknown command → exit 2', async () => {
      const r = await cli(['tokn']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /Unknown command "tokn"/);
    });
  });

  describe('token', () => {
    it('--json prints exactly the contract object', async () => {
      const r = await cli(tokenArgs('--client-secret-env', 'BLUEPRINT_SECRET', '--json'), withSecret);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      const lines = r.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 1);
      const out = JSON.parse(lines[0]!);
      assert.deepEqual(Object.keys(out), ['flow', 'accessToken', 'expiresOn', 'claims', 'legs']);
      assert.equal(out.flow, 'autonomous');
      assert.match(out.accessToken, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
      assert.equal(new Date(out.expiresOn).toISOString(), out.expiresOn);
      assert.equal(out.claims.appid, AGENT);
      assert.equal(out.claims.xms_par_app_azp, BLUEPRINT);
      assert.equal(out.legs.length, 2);
      assert.deepEqual(Object.keys(out.legs[0]), ['name', 'status', 'durationMs', 'claims']);
      assert.deepEqual(
        out.legs.map((l: { name: string; status: number }) => [l.name, l.status]),
        [
          ['blueprint', 200],
          ['agent', 200],
        ],
      );
      assert.ok(out.legs.every((l: { durationMs: unknown }) => Number.isInteger(l.durationMs)));
      assert.equal(out.legs[0].claims.azp, BLUEPRINT);
      assert.deepEqual(out.legs[1].claims, out.claims);
      assert.ok(!r.stdout.includes(SECRET));
      assert.deepEqual(
        sandbox().requests.map((q) => q.params.client_id),
        [BLUEPRINT, AGENT],
      );
    });

    it('prints a readable summary with both decoded tokens', async () => {
      const r = await cli(tokenArgs('--client-secret-env', 'BLUEPRINT_SECRET'), withSecret);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /T1: the blueprint's token/);
      assert.match(r.stdout, /Final token/);
      assert.match(r.stdout, /xms_par_app_azp/);
      assert.match(r.stdout, /client_secret=\[redacted\]/);
      assert.ok(!r.stdout.includes(SECRET));
    });

    it('authenticates with a certificate PEM and a passphrase from the environment', async () => {
      const args = [
        'token',
        ...sandboxBlueprintArgs(sandbox().authority, CERT_BLUEPRINT),
        '--agent',
        CERT_AGENT,
        '--scope',
        'api://sandbox-weather/.default',
        '--certificate',
        join(fixtures, 'blueprint-cert-encrypted.pem'),
        '--certificate-password-env',
        'PASS',
        '--json',
      ];
      const r = await cli(args, { PASS: 'fixture-passphrase' });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).legs[0].claims.azpacr, '2');
      const wrong = await cli(args, { PASS: 'nope' });
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /--certificate: .*cannot be decrypted.*passphrase/);
      assert.ok(!wrong.stderr.includes('nope'));
    });

    it('authenticates with a PKCS#12 (.pfx) file and its password', async () => {
      const args = [
        'token',
        ...sandboxBlueprintArgs(sandbox().authority, CERT_BLUEPRINT),
        '--agent',
        CERT_AGENT,
        '--scope',
        'api://sandbox-weather/.default',
        '--certificate',
        join(fixtures, 'blueprint-cert.pfx'),
        '--certificate-password-env',
        'PFX_PASSWORD',
        '--json',
      ];
      const r = await cli(args, { PFX_PASSWORD: 'fixture-pfx-password' });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).legs[0].claims.azpacr, '2');
      const wrong = await cli(args, { PFX_PASSWORD: 'nope' });
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /--certificate: The PFX file cannot be opened with this password/);
    });

    const usage: [string, string[], Record<string, string>, RegExp][] = [
      ['a secret on the command line', ['--client-secret', SECRET], {}, /--client-secret is not accepted/],
      ['no credential', [], {}, /exactly one credential/],
      [
        'two credentials',
        ['--client-secret-env', 'BLUEPRINT_SECRET', '--certificate', 'x.pem'],
        withSecret,
        /exactly one credential/,
      ],
      [
        'an unset variable',
        ['--client-secret-env', 'NOT_SET'],
        {},
        /--client-secret-env: environment variable NOT_SET is not set/,
      ],
      [
        'a scope without /.default',
        ['--client-secret-env', 'BLUEPRINT_SECRET', '--scope', 'https://graph.microsoft.com/User.Read'],
        withSecret,
        /--scope .*\/\.default/,
      ],
      [
        'plain http to a remote host',
        ['--client-secret-env', 'BLUEPRINT_SECRET', '--authority', 'http://login.example.com'],
        withSecret,
        /--authority uses plain http/,
      ],
      [
        'a missing certificate file',
        ['--certificate', '/nonexistent.pem'],
        {},
        /--certificate: cannot read \/nonexistent\.pem \(ENOENT\)/,
      ],
      [
        'a bad timeout',
        ['--client-secret-env', 'BLUEPRINT_SECRET', '--timeout', 'soon'],
        withSecret,
        /--timeout must be a whole number/,
      ],
      [
        'an unknown flag',
        ['--client-secret-env', 'BLUEPRINT_SECRET', '--tenantt', 'x'],
        withSecret,
        /Unknown option '--tenantt'/,
      ],
    ];
    for (const [what, extra, env, message] of usage) {
      it(`exit 2 for ${what}, naming the flag`, async () => {
        const r = await cli(tokenArgs(...extra), env);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, message);
        assert.ok(!r.stderr.includes(SECRET) && !r.stdout.includes(SECRET));
        assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
        assert.equal(sandbox().requests.length, 0, 'nothing sent');
      });
    }
    it('exit 2 naming --agent for a client id that is not a GUID, and --tenant when missing', async () => {
      const r = await cli(['token', ...sandboxAgentArgs(undefined, 'my-agent'), '--client-secret-env', 'S'], {
        S: 'x',
      });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--agent "my-agent" is not a GUID/);
      const m = await cli(['token', '--blueprint', BLUEPRINT, '--agent', AGENT, '--client-secret-env', 'S'], {
        S: 'x',
      });
      assert.equal(m.code, 2);
      assert.match(m.stderr, /--tenant is required/);
    });

    it('exit 3 for an Entra error, with code, explanation, fix, trace and correlation ids', async () => {
      const r = await cli(tokenArgs('--client-secret-env', 'BLUEPRINT_SECRET', '--json'), {
        BLUEPRINT_SECRET: 'wrong-secret-marker',
      });
      assert.equal(r.code, 3);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /AADSTS7000215/);
      assert.match(r.stderr, /what it means: The client secret sent for the blueprint is not valid\./);
      assert.match(r.stderr, /fix: /);
      assert.match(r.stderr, /trace id: [0-9a-f-]{36}/);
      assert.match(r.stderr, /correlation id: [0-9a-f-]{36}/);
      assert.ok(!r.stderr.includes('wrong-secret-marker'));
    });

    const entraCases: [string, string[], number][] = [
      ['an unknown blueprint', ['--blueprint', '99999999-9999-4999-8999-999999999999'], 700016],
      ['an agent identity outside the blueprint', ['--agent', CERT_AGENT], 700016],
      ['an unknown resource', ['--scope', 'api://nowhere/.default'], 500011],
      ['a disabled agent identity', ['--agent', DISABLED_AGENT], 7000112],
      ['an unknown tenant', ['--tenant', 'nowhere.onmicrosoft.com'], 90002],
    ];
    for (const [what, over, code] of entraCases) {
      it(`exit 3 for ${what} (AADSTS${code})`, async () => {
        const args = tokenArgs('--client-secret-env', 'BLUEPRINT_SECRET');
        for (let i = 0; i < over.length; i += 2) {
          const at = args.indexOf(over[i]!);
          if (at >= 0) args[at + 1] = over[i + 1]!;
          else args.push(over[i]!, over[i + 1]!);
        }
        const r = await cli(args, withSecret);
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, new RegExp(`AADSTS${code}`));
        assert.match(r.stderr, /what it means: .+\n {2}fix: .+/);
      });
    }

    it('--flow obo with the user token from the environment: same JSON shape, flow named', async () => {
      const tc = await userToken(sandbox().authority);
      const r = await cli(
        tokenArgs(
          '--client-secret-env',
          'BLUEPRINT_SECRET',
          '--flow',
          'obo',
          '--user-token-env',
          'TC',
          '--scope',
          'https://graph.microsoft.com/User.Read',
          '--json',
        ),
        { ...withSecret, TC: tc },
      );
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.deepEqual(Object.keys(out), ['flow', 'accessToken', 'expiresOn', 'claims', 'legs']);
      assert.equal(out.flow, 'obo');
      assert.deepEqual(
        out.legs.map((l: { name: string }) => l.name),
        ['blueprint', 'agent'],
      );
      assert.equal(out.claims.idtyp, 'user');
      assert.ok(!r.stdout.includes(tc), 'the user token is not echoed');
    });

    it('--flow obo refuses a user token for Graph before sending, naming the flag', async () => {
      const graph = await userToken(sandbox().authority, 'https://graph.microsoft.com/User.Read');
      sandbox().clearRecords();
      const r = await cli(
        tokenArgs('--client-secret-env', 'BLUEPRINT_SECRET', '--flow', 'obo', '--user-token-env', 'TC'),
        { ...withSecret, TC: graph },
      );
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--user-token-env was issued for "https:\/\/graph\.microsoft\.com"/);
      assert.match(r.stderr, /AADSTS50013/);
      assert.equal(sandbox().requests.length, 0);
    });

    it('--flow agent-user: three legs, by --user-id or --username', async () => {
      for (const who of [
        ['--user-id', AGENT_USER_ID],
        ['--username', AGENT_USER_UPN],
      ]) {
        const r = await cli(
          tokenArgs('--client-secret-env', 'BLUEPRINT_SECRET', '--flow', 'agent-user', ...who, '--json'),
          withSecret,
        );
        assert.equal(r.code, 0, r.stderr);
        const out = JSON.parse(r.stdout);
        assert.equal(out.flow, 'agent-user');
        assert.deepEqual(
          out.legs.map((l: { name: string; status: number }) => [l.name, l.status]),
          [
            ['blueprint', 200],
            ['agent', 200],
            ['agent-user', 200],
          ],
        );
        assert.equal(out.claims.oid, AGENT_USER_ID);
      }
      const text = await cli(
        tokenArgs('--client-secret-env', 'BLUEPRINT_SECRET', '--flow', 'agent-user', '--user-id', AGENT_USER_ID),
        withSecret,
      );
      assert.match(text.stdout, /Final token: The agent user's token \(leg 3\)/);
    });

    for (const [what, extra, message] of [
      ['an unknown flow', ['--flow', 'implicit'], /--flow must be one of autonomous, obo, agent-user/],
      [
        'agent-user without a user',
        ['--flow', 'agent-user'],
        /--user-id or --username must be given, and only one of them/,
      ],
      ['a user id that is not a GUID', ['--flow', 'agent-user', '--user-id', 'bob'], /--user-id "bob" is not a GUID/],
      ['--username outside agent-user', ['--username', 'a@b.c'], /--user-id and --username go with --flow agent-user/],
      ['obo without a user token', ['--flow', 'obo'], /--user-token-env is required/],
    ] as [string, string[], RegExp][]) {
      it(`exit 2 for ${what}`, async () => {
        const r = await cli(tokenArgs('--client-secret-env', 'BLUEPRINT_SECRET', ...extra), withSecret);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, message);
      });
    }

    it('--cloud sets the default Graph scope (its authority is unit-tested), and an unknown cloud is refused', async () => {
      // Tests never reach out of loopback, so the cloud's own authority is checked in the unit tests.
      const bad = await cli(tokenArgs('--client-secret-env', 'BLUEPRINT_SECRET', '--cloud', 'mars'), withSecret);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--cloud must be one of public, usgov, china/);
      // With the sandbox as authority, the China cloud's Graph scope is asked for (an unknown resource there).
      const china = await cli(tokenArgs('--client-secret-env', 'BLUEPRINT_SECRET', '--cloud', 'china'), withSecret);
      assert.equal(china.code, 3);
      assert.equal(sandbox().requests.at(-1)?.params.scope, 'https://microsoftgraph.chinacloudapi.cn/.default');
    });

    it('--federated-token-file and --managed-identity [ID] authenticate a blueprint with federated credentials', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'eat-cli-'));
      const file = join(dir, 'token');
      writeFileSync(file, await sandbox().externalIssuer.issue(WORKLOAD_SUBJECT));
      const fed = [
        'token',
        ...sandboxBlueprintArgs(sandbox().authority, FED_BLUEPRINT),
        '--agent',
        FED_AGENT,
        '--json',
      ];
      const viaFile = await cli([...fed, '--federated-token-file', file]);
      assert.equal(viaFile.code, 0, viaFile.stderr);
      assert.equal(JSON.parse(viaFile.stdout).legs[0].claims.azpacr, '2');
      const miEnv = { IDENTITY_ENDPOINT: sandbox().managedIdentityEndpoint, IDENTITY_HEADER: sandbox().identityHeader };
      for (const mi of [['--managed-identity', MI_CLIENT_ID], ['--managed-identity']]) {
        const r = await cli([...fed.slice(0, -1), ...mi, '--json'], miEnv);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(JSON.parse(r.stdout).claims.xms_par_app_azp, FED_BLUEPRINT);
      }
      // The managed-identity endpoint down: explained, nothing sent to the token endpoint.
      const closed = await startSandbox();
      const down = { IDENTITY_ENDPOINT: closed.managedIdentityEndpoint, IDENTITY_HEADER: 'x' };
      await closed.stop();
      sandbox().clearRecords();
      const unreachable = await cli([...fed, '--managed-identity', MI_CLIENT_ID], down);
      assert.equal(unreachable.code, 4, unreachable.stderr);
      assert.match(
        unreachable.stderr,
        /managed identity endpoint did not answer, so no token for api:\/\/AzureADTokenExchange/,
      );
      assert.equal(sandbox().requests.length, 0);
      const bad = await cli([...fed, '--managed-identity', 'my-identity']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--managed-identity: "my-identity" is not a client id/);
      const missing = await cli([...fed, '--federated-token-file', join(dir, 'nope')]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /federated token file .* cannot be read \(ENOENT\)/);
    });

    it('exit 4 for a network failure and for a timeout', async () => {
      const closed = await startSandbox();
      const authority = closed.authority;
      await closed.stop();
      const refused = await cli(
        ['token', ...sandboxBlueprintArgs(authority), '--agent', AGENT, '--client-secret-env', 'BLUEPRINT_SECRET'],
        withSecret,
      );
      assert.equal(refused.code, 4);
      assert.match(refused.stderr, /refused/);
      sandbox().injectFaults({ kind: 'delay', ms: 5000 });
      const slow = await cli(tokenArgs('--client-secret-env', 'BLUEPRINT_SECRET', '--timeout', '300'), withSecret);
      assert.equal(slow.code, 4);
      assert.match(slow.stderr, /timed out/);
    });

    it('SIGINT cancels a request in flight and exits 130', async () => {
      sandbox().injectFaults({ kind: 'delay', ms: 10_000 });
      const child = spawn(process.execPath, [cliPath, ...tokenArgs('--client-secret-env', 'BLUEPRINT_SECRET')], {
        env: { ...withSecret },
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      // The sandbox records a request only after its delay: wait for the connection instead.
      while (sandbox().connectionCount === 0 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      const sent = Date.now();
      child.kill('SIGINT');
      const [code] = (await once(child, 'close')) as [number];
      const took = Date.now() - sent;
      assert.equal(code, 130);
      assert.match(stderr, /Interrupted/);
      assert.ok(took < 200, `SIGINT to exit took ${took} ms`);
    });
  });

  describe('secrets in output', () => {
    it('no secret value, passphrase or key bytes in stdout or stderr, on any path, with any credential', async () => {
      const pem = readFileSync(join(fixtures, 'blueprint-cert.pem'), 'utf8');
      const keyBody = pem.split('-----BEGIN PRIVATE KEY-----')[1]!.split('\n')[2]!;
      const encBody = readFileSync(join(fixtures, 'blueprint-cert-encrypted.pem'), 'utf8')
        .split('-----BEGIN ENCRYPTED PRIVATE KEY-----')[1]!
        .split('\n')[2]!;
      const markers = {
        secret: SECRET,
        wrongSecret: 'wrong-secret-marker-5f1c',
        passphrase: 'fixture-passphrase',
        wrongPassphrase: 'wrong-passphrase-marker-9a2e',
        pfxPassword: 'fixture-pfx-password',
        keyBody,
        encBody,
      };
      const cert = (file: string, variable: string) => [
        'token',
        ...sandboxBlueprintArgs(sandbox().authority, CERT_BLUEPRINT),
        '--agent',
        CERT_AGENT,
        '--scope',
        'api://sandbox-weather/.default',
        '--certificate',
        join(fixtures, file),
        '--certificate-password-env',
        variable,
      ];
      const runs: [string, Run][] = [];
      const go = async (name: string, args: string[], env: Record<string, string>, code: number) => {
        const r = await cli(args, env);
        assert.equal(r.code, code, `${name}: ${r.stderr}`);
        runs.push([name, r]);
      };
      await go('secret, summary', tokenArgs('--client-secret-env', 'S'), { S: markers.secret }, 0);
      await go('secret, JSON', tokenArgs('--client-secret-env', 'S', '--json'), { S: markers.secret }, 0);
      await go('wrong secret', tokenArgs('--client-secret-env', 'S'), { S: markers.wrongSecret }, 3);
      await go('wrong secret, JSON', tokenArgs('--client-secret-env', 'S', '--json'), { S: markers.wrongSecret }, 3);
      await go('secret on the command line', tokenArgs('--client-secret', markers.secret), {}, 2);
      await go(
        'PEM with passphrase',
        [...cert('blueprint-cert-encrypted.pem', 'P'), '--json'],
        { P: markers.passphrase },
        0,
      );
      await go('PEM, wrong passphrase', cert('blueprint-cert-encrypted.pem', 'P'), { P: markers.wrongPassphrase }, 2);
      await go('PFX', cert('blueprint-cert.pfx', 'P'), { P: markers.pfxPassword }, 0);
      await go('PFX, wrong password', cert('blueprint-cert.pfx', 'P'), { P: markers.wrongPassphrase }, 2);
      await go('PEM, key not matching', cert('mismatched-cert.pem', 'P'), { P: 'x' }, 2);
      sandbox().injectFaults({ kind: 'delay', ms: 5_000 });
      await go('timeout', tokenArgs('--client-secret-env', 'S', '--timeout', '200'), { S: markers.secret }, 4);
      let scanned = 0;
      for (const [name, r] of runs) {
        for (const [marker, value] of Object.entries(markers)) {
          scanned++;
          assert.ok(
            !r.stdout.includes(value) && !r.stderr.includes(value),
            `${marker} appears in the output of "${name}"`,
          );
        }
      }
      assert.equal(scanned, 11 * 7);
    });
  });

  describe('decode', () => {
    let token: string;
    before(async () => {
      const r = await cli(tokenArgs('--client-secret-env', 'BLUEPRINT_SECRET', '--json'), withSecret);
      token = JSON.parse(r.stdout).accessToken;
    });
    it('explains a token given as an argument', async () => {
      const r = await cli(['decode', token]);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /xms_par_app_azp\s+0b5e6a7c/);
      assert.match(r.stdout, /Parent blueprint/);
    });
    it('reads standard input, and prints JSON', async () => {
      const r = await cli(['decode', '-', '--json'], {}, `${token}\n`);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.header.alg, 'RS256');
      assert.equal(out.claims.appid, AGENT);
      assert.ok(
        out.explanations.some(
          (e: { name: string; detail?: string }) => e.name === 'xms_act_fct' && /agent identity/.test(e.detail ?? ''),
        ),
      );
    });
    it('exit 2 for anything that is not a JWT', async () => {
      const r = await cli(['decode', 'hello']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /not a JWT/);
      const empty = await cli(['decode'], {}, '');
      assert.equal(empty.code, 2);
      assert.match(empty.stderr, /No token/);
    });
    it('escapes control characters from hostile claims', async () => {
      const r = await cli(['decode', unsignedJwt({ alg: 'none' }, { evil: '\u001b[2J\u001b]0;pwned\u0007' }, '')]);
      assert.equal(r.code, 0);
      assert.ok(!r.stdout.includes('\u001b'));
      assert.match(r.stdout, /\\u001b\[2J/);
    });
  });

  describe('sandbox', () => {
    async function startCliSandbox(extra: string[] = []) {
      const child = spawn(process.execPath, [cliPath, 'sandbox', '--json', ...extra], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const lines = createInterface({ input: child.stdout });
      const [first] = (await once(lines, 'line')) as [string];
      return { child, info: JSON.parse(first) };
    }

    it('prints its details as the first JSON line, serves the exchange, and stops on SIGINT', async () => {
      const { child, info } = await startCliSandbox();
      try {
        assert.match(info.authority, /^http:\/\/127\.0\.0\.1:\d+$/);
        assert.match(info.tenantId, /^[0-9a-f-]{36}$/);
        // The classic blueprint first (what --env exports), then the single-instance one.
        assert.deepEqual(
          info.blueprints.map((b: { singleInstance?: boolean }) => b.singleInstance === true),
          [false, true],
        );
        const [bp] = info.blueprints;
        assert.ok(bp.clientSecret && bp.displayName && bp.agents.length >= 2);
        const r = await cli(
          [
            'token',
            ...sandboxAgentArgs(info.authority, bp.agents[1].clientId, bp.clientId, info.tenantId),
            ...['--client-secret-env', 'S', '--json'],
          ],
          { S: bp.clientSecret },
        );
        assert.equal(r.code, 0, r.stderr);
        assert.equal(JSON.parse(r.stdout).claims.appid, bp.agents[1].clientId);
      } finally {
        child.kill('SIGINT');
      }
      const [code] = (await once(child, 'close')) as [number];
      assert.equal(code, 0);
    });

    it('--env prints export lines a shell sources, and the token command runs on them', async () => {
      const child = spawn(process.execPath, [cliPath, 'sandbox', '--env'], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const lines = createInterface({ input: child.stdout });
        const exports: string[] = [];
        for await (const line of lines) {
          exports.push(line);
          if (line.startsWith('export SANDBOX_SECRET=')) break;
        }
        assert.deepEqual(
          exports.map((l) => l.split('=')[0]),
          [
            'export SANDBOX_AUTHORITY',
            'export SANDBOX_TENANT',
            'export SANDBOX_BLUEPRINT',
            'export SANDBOX_AGENT',
            'export SANDBOX_SECRET',
          ],
        );
        // The shell's own reading: source the lines, then run the CLI with what they set.
        const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
          const sh = spawn(
            'sh',
            [
              '-c',
              `${exports.join('\n')}\n"$0" "$1" token --authority "$SANDBOX_AUTHORITY" --tenant "$SANDBOX_TENANT" --blueprint "$SANDBOX_BLUEPRINT" --agent "$SANDBOX_AGENT" --client-secret-env SANDBOX_SECRET --json`,
              process.execPath,
              cliPath,
            ],
            { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
          );
          let stdout = '';
          let stderr = '';
          sh.stdout.on('data', (d: Buffer) => (stdout += d));
          sh.stderr.on('data', (d: Buffer) => (stderr += d));
          sh.on('close', (code) => resolve({ code, stdout, stderr }));
        });
        assert.equal(r.code, 0, r.stderr);
        assert.ok(JSON.parse(r.stdout).accessToken);
      } finally {
        child.kill('SIGINT');
      }
      await once(child, 'close');
      const both = await cli(['sandbox', '--json', '--env']);
      assert.equal(both.code, 2);
    });

    it('serves HTTPS with --tls-cert/--tls-key', async () => {
      const { child, info } = await startCliSandbox([
        '--tls-cert',
        join(fixtures, 'tls/server.pem'),
        '--tls-key',
        join(fixtures, 'tls/server-key.pem'),
      ]);
      try {
        assert.match(info.authority, /^https:\/\/127\.0\.0\.1:\d+$/);
        const [bp] = info.blueprints;
        const r = await cli(
          [
            'token',
            ...sandboxAgentArgs(info.authority, bp.agents[0].clientId, bp.clientId, info.tenantId),
            ...['--client-secret-env', 'S', '--json'],
          ],
          { S: bp.clientSecret, NODE_EXTRA_CA_CERTS: join(fixtures, 'tls/ca.pem') },
        );
        assert.equal(r.code, 0, r.stderr);
      } finally {
        child.kill('SIGTERM');
      }
      assert.equal(((await once(child, 'close')) as [number])[0], 0);
    });

    it('exit 2 for a bad directory file or port', async () => {
      const bad = await cli(['sandbox', '--directory', join(fixtures, 'blueprint-cert.pem')]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--directory: .*not valid JSON/);
      const port = await cli(['sandbox', '--port', '70000']);
      assert.equal(port.code, 2);
      assert.match(port.stderr, /--port must be a whole number from 0 to 65535/);
    });
  });
});
