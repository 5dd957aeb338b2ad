import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, PromptHasher } from '../src';

describe('prompt hashes (docs/prompt-hash.md)', () => {
  const hasher = new PromptHasher();

  it('recomputes the worked example of docs/prompt-hash.md with printf | sha256sum', () => {
    const page = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'prompt-hash.md'), 'utf8');
    const example = /\$ (printf '%s' '([^']*)' \| sha256sum)\n([0-9a-f]{64}) {2}-/g;
    let checked = 0;
    for (const [, command, payload, written] of page.matchAll(example)) {
      const output = execFileSync('sh', ['-c', command as string], { encoding: 'utf8' });
      assert.equal(output, `${written}  -\n`, command);
      // The text in the page is the canonical form of its own value, and Elkhound hashes it so.
      const value = JSON.parse(payload as string) as unknown;
      assert.equal(canonicalJson(value), payload);
      assert.equal(hasher.hash(value), `sha256:${written}`);
      checked++;
    }
    assert.equal(checked, 3, 'the page shows three printf | sha256sum examples');
  });

  it('matches the worked example of docs/prompt-hash.md', () => {
    const prompt = { system: ['You are terse.'], messages: [{ role: 'user', content: 'Hi' }] };
    assert.equal(
      canonicalJson(prompt),
      '{"messages":[{"content":"Hi","role":"user"}],"system":["You are terse."]}',
    );
    assert.equal(
      hasher.hash(prompt),
      'sha256:bd21d9eec31a4604b7618a04321c3f65534da102b545ea9481e7660f54331283',
    );
    assert.equal(
      hasher.hash(prompt.system),
      'sha256:a51f2b2e7365696fe7021d1e404dc043361edf8441c421c41ba3f55a6b4d71c6',
    );
    assert.equal(
      hasher.hash(['Hello!']),
      'sha256:45c4eef447d9f3a9640bdd21060d9fcaf611b048259aaec6626bcec06ab71c7b',
    );
  });

  it('does not depend on key order or Unicode composition, and changes with one character', () => {
    const composed = { messages: [{ role: 'user', content: 'café' }], system: [] };
    const decomposed = { system: [], messages: [{ content: 'cafe\u0301', role: 'user' }] };
    assert.equal(hasher.hash(composed), hasher.hash(decomposed));
    assert.notEqual(
      hasher.hash(composed),
      hasher.hash({ ...composed, messages: [{ role: 'user', content: 'cafe' }] }),
    );
    assert.notEqual(
      hasher.hash(['a b']),
      hasher.hash(['a  b']),
      'whitespace inside strings counts',
    );
  });

  it('uses HMAC-SHA256 with a key', () => {
    const keyed = new PromptHasher('k3y');
    const expected = createHmac('sha256', 'k3y').update('["Hello!"]').digest('hex');
    assert.equal(keyed.hash(['Hello!']), `hmac-sha256:${expected}`);
  });

  it('writes undefined members as absent and non-finite numbers as null', () => {
    assert.equal(
      canonicalJson({ b: 1, a: undefined, c: [undefined, Number.NaN] }),
      '{"b":1,"c":[null,null]}',
    );
  });
});
