import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeToken } from '../../src/core/tokens/jwt';
import { isBearerTokenText, posixQuote } from '../../src/core/safety/shellQuote';
import { copyText } from '../../src/extension/inspector/inspectorModel';
import { unsignedJwt } from '../hostile';

/** Runs a copied curl line in a real sh, with curl replaced by a function that prints its arguments, NUL-separated. */
function runInSh(line: string): { args: string[]; cwd: string } {
  const cwd = mkdtempSync(join(tmpdir(), 'eat-sh-'));
  const out = execFileSync('sh', ['-c', `curl() { for a in "$@"; do printf '%s\\0' "$a"; done; }\n${line}`], {
    cwd,
    encoding: 'utf8',
  });
  return { args: out.split('\0').slice(0, -1), cwd };
}

// SECURITY.md, "Copies made for a shell run only what they say".
describe('promise: a copied curl line runs only curl, whatever the token and URL hold', () => {
  const good = unsignedJwt({ alg: 'RS256' }, { aud: 'x' });

  it('refuses to put a pasted token whose signature part holds shell syntax into a header or a command', () => {
    const pasted = decodeToken(`${unsignedJwt({ alg: 'RS256' }, { aud: 'x' }, '')}' ; touch x ; echo '`);
    for (const what of ['curl', 'bearer'] as const) {
      const copy = copyText(what, pasted.raw, 'https://graph.microsoft.com/v1.0/me');
      assert.ok('refused' in copy, `${what}: ${JSON.stringify(copy)}`);
      assert.match(copy.refused, /characters no bearer token has/);
    }
    assert.deepEqual(
      copyText('token', pasted.raw, undefined),
      { text: pasted.raw },
      'the token itself can still be copied',
    );
  });

  const hostileUrls = [
    "https://graph.microsoft.com/v1.0/users?$filter=startswith(displayName,'a')&x=`touch x`",
    'https://h.example/$(touch x)/\'"; touch x; echo "\'',
    'https://h.example/a b\\c\nd\te',
    'http://127.0.0.1:8080/$HOME/${PATH}/!!/*',
  ];
  for (const url of hostileUrls) {
    it(`a hostile URL stays one argument in sh: ${JSON.stringify(url).slice(0, 50)}`, () => {
      const copy = copyText('curl', good, url);
      assert.ok('text' in copy);
      const { args, cwd } = runInSh(copy.text);
      try {
        assert.deepEqual(args, ['-H', `Authorization: Bearer ${good}`, new URL(url).href]);
        assert.deepEqual(readdirSync(cwd), [], 'nothing ran but curl');
        assert.equal(existsSync(join(cwd, 'x')), false);
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    });
  }

  it('knows a bearer token by its characters', () => {
    assert.ok(isBearerTokenText(good));
    assert.ok(isBearerTokenText('EwBwA8l6BAAU+opaque/token=='));
    for (const bad of ['', 'a b', "a'b", 'a\nb', 'a;b', 'a$(b)', '`a`', 'a.b.c"', 'x'.repeat(70_000)])
      assert.equal(isBearerTokenText(bad), false, JSON.stringify(bad.slice(0, 20)));
  });

  it('quotes for POSIX shells, refusing NUL, which no shell word can hold', () => {
    assert.equal(posixQuote("it's"), "'it'\\''s'");
    assert.throws(() => posixQuote('a\u0000b'), RangeError);
  });
});
