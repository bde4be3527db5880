import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, cliSuiteSandbox, sandboxAgentArgs, sandboxBlueprintArgs } from '../cliRunner';
import { AGENT, BLUEPRINT, CERT_AGENT, CERT_BLUEPRINT, FED_AGENT, FED_BLUEPRINT, SECRET } from '../helpers';

describe('CLI inputs an attacker or a slip can supply', function () {
  this.timeout(30_000);
  const sandbox = cliSuiteSandbox();

  const token = (authority: string, ...extra: string[]) => ['token', ...sandboxAgentArgs(authority), ...extra];

  describe('promise: credentials go only to Entra hosts, loopback and hosts the user names (--allow-authority-host)', () => {
    for (const authority of [
      'https://login.microsoftonline.com.attacker.example',
      'https://attacker.example',
      'https://login-microsoftonline.com',
      'https://login.microsoftonline.com@attacker.example',
    ]) {
      it(`refuses ${authority} with exit 2, before reading the credential or sending anything`, async () => {
        const r = await cli(token(authority, '--client-secret-env', 'S'), { S: SECRET });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /--authority/);
        assert.ok(!r.stderr.includes(SECRET));
        assert.equal(sandbox().requests.length, 0);
      });
    }
    it('names the host and the flag that would allow it', async () => {
      const r = await cli(token('https://login.microsoftonline.com.attacker.example', '--client-secret-env', 'S'), {
        S: SECRET,
      });
      assert.match(
        r.stderr,
        /login\.microsoftonline\.com\.attacker\.example is not an Entra sign-in host.*nothing was sent.*--allow-authority-host login\.microsoftonline\.com\.attacker\.example/s,
      );
    });
    it('accepts a host the user names, and only that one', async () => {
      // Accepted, the run goes on to read the credential (an unset variable here), so no name is ever looked up.
      const r = await cli(
        token(
          'https://login.contoso.invalid',
          '--client-secret-env',
          'NOT_SET',
          '--allow-authority-host',
          'login.contoso.invalid',
        ),
      );
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--client-secret-env: environment variable NOT_SET is not set/);
      const other = await cli(
        token(
          'https://login.contoso.invalid',
          '--client-secret-env',
          'NOT_SET',
          '--allow-authority-host',
          'other.example',
        ),
      );
      assert.match(other.stderr, /--authority: login\.contoso\.invalid is not an Entra sign-in host/);
      const bad = await cli(
        token('https://login.contoso.invalid', '--client-secret-env', 'S', '--allow-authority-host', 'https://x/'),
        { S: SECRET },
      );
      assert.match(bad.stderr, /--allow-authority-host takes a host name/);
    });
    it('still takes loopback (the sandbox) without being told', async () => {
      const r = await cli(token(sandbox().authority, '--client-secret-env', 'S', '--json'), { S: SECRET });
      assert.equal(r.code, 0, r.stderr);
    });
  });

  describe("--flow app: the blueprint's own token", () => {
    it('gets it in one leg, without fmi_path, and refuses --agent', async () => {
      const args = [
        'token',
        '--flow',
        'app',
        ...sandboxBlueprintArgs(sandbox().authority),
        '--client-secret-env',
        'S',
        '--json',
      ];
      const r = await cli(args, { S: SECRET });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { flow: string; legs: unknown[]; claims: Record<string, unknown> };
      assert.deepEqual(
        [out.flow, out.legs.length, out.claims.appid, out.claims.aud],
        ['app', 1, BLUEPRINT, 'https://graph.microsoft.com'],
      );
      assert.equal(sandbox().requests[0]?.params.fmi_path, undefined);
      const withAgent = await cli([...args, '--agent', AGENT], { S: SECRET });
      assert.equal(withAgent.code, 2);
      assert.match(withAgent.stderr, /--agent does not go with --flow app/);
    });
  });

  describe('promise: a secret pasted where a variable name goes is never repeated', () => {
    for (const flag of ['--client-secret-env', '--certificate-password-env', '--user-token-env']) {
      it(`${flag} with a secret-looking value: exit 2, and the value appears nowhere`, async () => {
        const pasted = 'Xy7~Q8s.P_4kLm-vN2rT9wZ';
        const extra =
          flag === '--client-secret-env'
            ? [flag, pasted]
            : flag === '--certificate-password-env'
              ? ['--certificate', 'x.pem', flag, pasted]
              : ['--client-secret-env', 'S', '--flow', 'obo', flag, pasted];
        const r = await cli(token(sandbox().authority, ...extra), { S: SECRET });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, new RegExp(`${flag} takes the NAME of an environment variable`));
        assert.ok(!(r.stderr + r.stdout).includes(pasted) && !(r.stderr + r.stdout).includes(pasted.slice(0, 12)));
        assert.equal(sandbox().requests.length, 0);
      });
    }
  });

  describe('promise: a credential file that is not a small regular file fails fast (FIFO, /dev/zero)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eat-cli-files-'));
    const fifo = join(dir, 'token');
    execFileSync('mkfifo', [fifo]);
    after(() => rmSync(dir, { recursive: true, force: true }));
    // Each of these would hang (a FIFO waits for a writer, /dev/zero never ends) on a plain read; the test timeout is the guard.
    it('--federated-token-file FIFO → exit 2 naming it', async () => {
      const r = await cli([
        'token',
        ...sandboxAgentArgs(sandbox().authority, FED_AGENT, FED_BLUEPRINT),
        '--federated-token-file',
        fifo,
      ]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /not a regular file: a FIFO/);
    });
    it('--certificate /dev/zero → exit 2 naming it', async () => {
      const r = await cli([
        'token',
        ...sandboxAgentArgs(sandbox().authority, CERT_AGENT, CERT_BLUEPRINT),
        '--certificate',
        '/dev/zero',
      ]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--certificate: cannot read \/dev\/zero \(not a regular file: a character device\)/);
    });
  });
});
