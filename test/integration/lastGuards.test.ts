// SECURITY.md: behind the token client's own scrub, every face's writer is a last guard. Here the first layer is
// bypassed on purpose (an error that already holds a sent value, in an escaped spelling): the CLI's writers and the
// sidecar's ProblemDetails must still not let it out.
import assert from 'node:assert/strict';
import { request } from 'undici';
import { EntraError } from '../../src/core/errors/entraError';
import { forgetSent, rememberSent } from '../../src/core/safety/sentValues';
import { writeErr, writeOut } from '../../src/cli/terminal';
import { AgentSidecar } from '../../src/sidecar/sidecarServer';
import { BLUEPRINT, SANDBOX_TENANT } from '../helpers';

const SENT = 'Zq9~a-sent-credential.0123456789_abcdef';
const jsonEscaped = (v: string) => [...v].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
const percent = (v: string) => [...v].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');

describe('promise: the last guard at each writer holds a sent value back, whatever spelling reached it', () => {
  afterEach(() => forgetSent());

  it("the CLI's stdout and stderr writers", () => {
    rememberSent(SENT);
    const written: string[] = [];
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string) => (written.push(s), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => (written.push(s), true)) as typeof process.stderr.write;
    try {
      writeOut(`{"said":"${jsonEscaped(SENT)}"}\n`);
      writeErr(`error: ${percent(SENT)} and ${SENT}\n`);
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
    const all = written.join('');
    for (const spelling of [SENT, jsonEscaped(SENT), percent(SENT)]) assert.ok(!all.includes(spelling), all);
    assert.match(written[0]!, /^\{"said":"\[redacted\]"\}\n$/, 'JSON output stays JSON');
  });

  it("the CLI's stdout and stderr writers: no control or bidi character but the line feeds (each writer alone)", () => {
    // Found by a mutation audit: every field is escaped where it is formatted, so dropping the stderr writer's own
    // escaping failed nothing. Here the text reaches each writer raw. The characters are the test's own list.
    const hostile = [
      '\u001b]8;;x\u0007',
      '\u009b31m',
      '\u202e',
      '\u2066',
      '\u2069',
      '\r',
      '\u0008',
      '\u2028',
      '\u0085',
    ];
    for (const write of [writeOut, writeErr]) {
      const written: string[] = [];
      const stream = write === writeOut ? process.stdout : process.stderr;
      const original = stream.write.bind(stream);
      stream.write = ((t: string) => (written.push(t), true)) as typeof stream.write;
      try {
        write(`said: ${hostile.join(' ')}\nnext line\n`);
      } finally {
        stream.write = original;
      }
      const all = written.join('');
      assert.match(all, /^said: .*\nnext line\n$/, 'the line feeds stay');
      for (const h of hostile) assert.ok(!all.includes(h), `${write.name}: ${JSON.stringify(all)}`);
    }
  });

  it("the sidecar's ProblemDetails", async () => {
    const sidecar = await AgentSidecar.start({
      port: 0,
      blueprint: {
        authority: 'https://login.microsoftonline.com',
        tenant: SANDBOX_TENANT,
        clientId: BLUEPRINT,
        credential: { kind: 'secret' },
      },
      apis: [{ name: 'graph', scopes: ['https://graph.microsoft.com/.default'], requestAppToken: true }],
      acquire: async () => {
        rememberSent(SENT);
        // As if a layer before had missed it: Entra's description, which the sidecar passes on as the problem's
        // detail (as the container does), holds it percent-encoded.
        throw new EntraError(400, {
          error: 'invalid_request',
          error_description: `AADSTS900144: bad request ${percent(SENT)}`,
          error_codes: [900144],
        });
      },
    });
    try {
      const r = await request(`${sidecar.url}/AuthorizationHeaderUnauthenticated/graph`);
      const body = await r.body.text();
      assert.equal(r.statusCode, 401, body);
      for (const spelling of [SENT, percent(SENT), jsonEscaped(SENT)]) assert.ok(!body.includes(spelling), body);
      assert.match(body, /AADSTS900144: bad request \[redacted\]/);
    } finally {
      await sidecar.stop();
    }
  });
});
