import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentTokenEngine } from '../../src/core/engine/agentTokens';
import { decodeToken } from '../../src/core/tokens/jwt';
import { SignatureVerifier } from '../../src/core/tokens/signature';
import type { SandboxTenant } from '../../src/sandbox/server';
import { sandboxRequest, startSandbox } from '../helpers';
import { unsignedJwt } from '../hostile';

/** A local service a hostile token might aim at: records what it is asked, answers what the test says. */
class LocalService {
  readonly seen: string[] = [];
  /** Bytes the handler managed to write before the client went away. */
  sent = 0;
  private server!: Server;
  constructor(private readonly answer: (req: IncomingMessage, res: ServerResponse, service: LocalService) => void) {}
  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.seen.push(req.url ?? '');
      this.answer(req, res, this);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return this;
  }
  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** Streams `total` bytes of JSON-ish filler without a Content-Length, counting what got out before the client closed. */
function flood(total: number) {
  return (_req: IncomingMessage, res: ServerResponse, service: LocalService) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    res.write('{"jwks_uri":"');
    const pump = () => {
      while (service.sent < total && !res.destroyed) {
        service.sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end('"}');
    };
    res.on('close', () => undefined);
    pump();
  };
}

const tokenFrom = (iss: string) => decodeToken(unsignedJwt({ alg: 'RS256', kid: 'k' }, { iss, aud: 'x' }));
const MiB = 1 << 20;

// SECURITY.md, "Where the inspector may connect": a pasted token chooses none of the hosts, ports or paths fetched.
describe('promise: a pasted token cannot make the inspector fetch an arbitrary host or port', function () {
  this.timeout(20_000);
  let sandbox: SandboxTenant;
  const services: LocalService[] = [];
  const service = async (answer: ConstructorParameters<typeof LocalService>[0]) => {
    const s = await new LocalService(answer).start();
    services.push(s);
    return s;
  };
  before(async () => {
    sandbox = await startSandbox();
  });
  after(async () => {
    await sandbox.stop();
    await Promise.all(services.map((s) => s.stop()));
  });
  const verifierFor = (sandboxOrigin: string | undefined, extraHosts: string[] = []) =>
    new SignatureVerifier({ sandboxOrigin: () => sandboxOrigin, extraHosts, timeoutMs: 5_000 });

  it('an issuer on another loopback port than the running sandbox is never contacted', async () => {
    const local = await service((_req, res) => res.end('{"jwks_uri":"http://127.0.0.1:1/keys"}'));
    const r = await verifierFor(sandbox.authority).verify(tokenFrom(`${local.origin}/t/v2.0`));
    assert.equal(r.status, 'unavailable');
    assert.match((r as { reason: string }).reason, /loopback only at the running sandbox's origin/);
    assert.deepEqual(local.seen, [], 'no request reached the local service');
    const none = await verifierFor(undefined).verify(tokenFrom(`${sandbox.authority}/t/v2.0`));
    assert.equal(none.status, 'unavailable', 'with no sandbox running, no loopback origin at all');
  });

  it("a jwks_uri on another host or port than the issuer's is not followed", async () => {
    const keys = await service((_req, res) => res.end('{"keys":[]}'));
    const issuer = await service((_req, res) => res.end(JSON.stringify({ jwks_uri: `${keys.origin}/keys` })));
    // The issuer is (for this test) the sandbox origin the verifier trusts; its metadata points elsewhere.
    const r = await verifierFor(issuer.origin).verify(tokenFrom(`${issuer.origin}/t/v2.0`));
    assert.equal(r.status, 'unavailable');
    assert.match((r as { reason: string }).reason, /points to 127\.0\.0\.1:\d+, not to the issuer's own host/);
    assert.equal(issuer.seen.length, 1, 'the metadata was read');
    assert.deepEqual(keys.seen, [], 'the other port never saw a request');
  });

  it('stops reading a metadata document past 1 MiB (a 32 MiB answer, streamed without a length)', async () => {
    const issuer = await service(flood(32 * MiB));
    const r = await verifierFor(issuer.origin).verify(tokenFrom(`${issuer.origin}/t/v2.0`));
    assert.equal(r.status, 'unavailable');
    assert.match((r as { reason: string }).reason, /larger than 1 MiB/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // What left the server: the capped read plus whatever the socket buffers held when the client closed.
    assert.ok(issuer.sent < 8 * MiB, `${issuer.sent} bytes were sent`);
  });

  it('stops reading a key set past 1 MiB too', async () => {
    let origin = '';
    const issuer = await service((req, res, s) => {
      if (req.url?.includes('openid-configuration'))
        return void res.end(JSON.stringify({ jwks_uri: `${origin}/keys` }));
      return flood(32 * MiB)(req, res, s);
    });
    origin = issuer.origin;
    const r = await verifierFor(origin).verify(tokenFrom(`${origin}/t/v2.0`));
    assert.equal(r.status, 'unavailable');
    assert.match((r as { reason: string }).reason, /keys at .*could not be read \(larger than 1 MiB/);
    assert.ok(issuer.sent < 8 * MiB, `${issuer.sent} bytes were sent`);
  });

  it('refuses unread a document that declares more than 1 MiB', async () => {
    const issuer = await service((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(4 * MiB) });
      res.write('{');
    });
    const r = await verifierFor(issuer.origin).verify(tokenFrom(`${issuer.origin}/t/v2.0`));
    assert.match((r as { reason: string }).reason, /larger than 1 MiB, which no key document is; not read/);
  });

  it('an issuer at a host the user allowed is checked only when the user asks, naming the host', async () => {
    const r = await verifierFor(undefined, ['login.contoso.example']).verify(
      tokenFrom('https://login.contoso.example/t/v2.0'),
    );
    assert.deepEqual(r, {
      status: 'ask',
      host: 'login.contoso.example',
      reason:
        "The issuer is at login.contoso.example, a host you allowed but not Entra's. Its keys are fetched only if you ask.",
    });
    const refused = await verifierFor(undefined).verify(tokenFrom('https://login.contoso.example/t/v2.0'));
    assert.equal(refused.status, 'unavailable', 'a host nobody allowed is never asked about');
  });

  it("still verifies the running sandbox's own tokens by itself", async () => {
    const engine = new AgentTokenEngine();
    const result = await engine.getAutonomousToken(
      sandboxRequest(sandbox, { scope: 'api://sandbox-weather/.default' }),
    );
    await engine.close();
    assert.equal((await verifierFor(sandbox.authority).verify(result.token)).status, 'verified');
  });
});
