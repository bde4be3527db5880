import assert from 'node:assert/strict';
import { displayBody, methodOf, parseHeaderLine, parseHeaderLines } from '../../src/core/api/apiRequest';

describe('a request as typed (CLI flags, the request editor)', () => {
  it('reads "Name: value" headers, and refuses the ones that would change who is calling or how', () => {
    assert.deepEqual(parseHeaderLine('Accept: application/json'), { header: ['Accept', 'application/json'] });
    assert.deepEqual(parseHeaderLine('X-Empty:'), { header: ['X-Empty', ''] });
    assert.deepEqual(parseHeaderLine('ConsistencyLevel:eventual'), { header: ['ConsistencyLevel', 'eventual'] });
    for (const bad of ['no colon', ': value', 'Bad Name: x', 'X: a\rb', 'X: a\nInjected: y'])
      assert.ok('problem' in parseHeaderLine(bad), bad);
    assert.match((parseHeaderLine('authorization: Bearer x') as { problem: string }).problem, /only credential/);
    assert.match((parseHeaderLine('Host: evil.test') as { problem: string }).problem, /set by the connection/);
  });

  it('takes one header per line, skips blank lines, and names the bad line', () => {
    assert.deepEqual(parseHeaderLines('A: 1\r\n\nB: 2\n'), {
      headers: [
        ['A', '1'],
        ['B', '2'],
      ],
    });
    assert.match((parseHeaderLines('A: 1\nnope') as { problem: string }).problem, /^Headers, line 2:/);
  });

  it('takes a method as letters only', () => {
    assert.equal(methodOf(' patch '), 'PATCH');
    for (const bad of ['', 'GET /x', 'G3T', 'X'.repeat(17)]) assert.equal(methodOf(bad), undefined, bad);
  });

  it('pretty-prints JSON, and leaves anything else as the text it is', () => {
    assert.deepEqual(displayBody('{"a":[1]}', 'application/json; charset=utf-8'), {
      text: '{\n  "a": [\n    1\n  ]\n}',
      kind: 'json',
    });
    assert.deepEqual(displayBody('[1]'), { text: '[\n  1\n]', kind: 'json' });
    assert.deepEqual(displayBody('{"cut":'), { text: '{"cut":', kind: 'text' });
    assert.deepEqual(displayBody('<b>hi</b>', 'text/html'), { text: '<b>hi</b>', kind: 'text' });
    assert.deepEqual(displayBody(''), { text: '', kind: 'empty' });
  });
});
