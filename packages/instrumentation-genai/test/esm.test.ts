import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FakeAnthropic, FakeBedrock, FakeCohere, FakeOpenAI } from '@elkhound/test-support';

const run = promisify(execFile);

describe('ESM: openai imported by an ES module app is patched through the loader hook', () => {
  const server = new FakeOpenAI();
  before(() => server.start());
  after(() => server.stop());

  it('records the plain, streamed and Responses API calls of an ESM app (dist build)', async () => {
    const folder = join(__dirname, 'fixtures', 'esm');
    const { stdout } = await run(process.execPath, ['--import', './setup.mjs', 'app.mjs'], {
      cwd: folder,
      env: { ...process.env, FAKE_OPENAI_URL: server.baseURL, NODE_OPTIONS: '' },
    });
    const spans = JSON.parse(stdout) as Array<{
      name: string;
      attributes: Record<string, unknown>;
    }>;
    assert.deepEqual(
      spans.map((span) => span.name),
      ['chat gpt-4o-mini', 'chat gpt-4o-mini', 'chat gpt-4o-mini'],
    );
    assert.equal(spans[0]?.attributes['gen_ai.usage.input_tokens'], 1240);
    assert.equal(spans[1]?.attributes['gen_ai.request.stream'], true);
    assert.equal(spans[1]?.attributes['gen_ai.usage.output_tokens'], 96);
    assert.equal(spans[2]?.attributes['gen_ai.usage.reasoning.output_tokens'], 64);
    assert.equal(
      spans[0]?.attributes['elkhound.prompt.hash'],
      spans[1]?.attributes['elkhound.prompt.hash'],
    );
  });
});

describe('ESM: @anthropic-ai/sdk imported by an ES module app is patched through the loader hook', () => {
  const server = new FakeAnthropic();
  before(() => server.start());
  after(() => server.stop());

  it('records a plain call and a messages.stream() of an ESM app', async () => {
    const folder = join(__dirname, 'fixtures', 'esm');
    const { stdout } = await run(
      process.execPath,
      ['--import', './setup.mjs', 'anthropic-app.mjs'],
      {
        cwd: folder,
        env: { ...process.env, FAKE_ANTHROPIC_URL: server.baseURL, NODE_OPTIONS: '' },
      },
    );
    const spans = JSON.parse(stdout) as Array<{
      name: string;
      attributes: Record<string, unknown>;
    }>;
    assert.deepEqual(
      spans.map((span) => span.name),
      ['chat claude-sonnet-4-20250514', 'chat claude-sonnet-4-20250514'],
    );
    assert.equal(spans[0]?.attributes['gen_ai.provider.name'], 'anthropic');
    assert.equal(spans[0]?.attributes['gen_ai.usage.input_tokens'], 3569);
    assert.equal(spans[1]?.attributes['gen_ai.request.stream'], true);
    assert.equal(spans[1]?.attributes['gen_ai.usage.output_tokens'], 15);
  });
});

describe('ESM: Bedrock Runtime (its ES module build) and cohere-ai (CommonJS imported from ESM)', () => {
  const bedrock = new FakeBedrock();
  const cohere = new FakeCohere();
  before(async () => {
    await bedrock.start();
    await cohere.start();
  });
  after(async () => {
    await bedrock.stop();
    await cohere.stop();
  });

  it('records a Converse call and a Cohere v2 chat of an ESM app', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', './setup.mjs', 'bedrock-cohere-app.mjs'],
      {
        cwd: join(__dirname, 'fixtures', 'esm'),
        env: {
          ...process.env,
          FAKE_BEDROCK_URL: bedrock.origin,
          FAKE_COHERE_URL: cohere.origin,
          NODE_OPTIONS: '',
        },
      },
    );
    const spans = JSON.parse(stdout) as Array<{
      name: string;
      attributes: Record<string, unknown>;
    }>;
    assert.deepEqual(
      spans.map((span) => span.name),
      ['chat anthropic.claude-3-5-haiku-20241022-v1:0', 'chat command-r-plus'],
    );
    assert.equal(spans[0]?.attributes['gen_ai.provider.name'], 'aws.bedrock');
    assert.equal(spans[0]?.attributes['gen_ai.usage.output_tokens'], 21);
    assert.equal(spans[1]?.attributes['gen_ai.provider.name'], 'cohere');
    assert.equal(spans[1]?.attributes['gen_ai.usage.input_tokens'], 14);
  });
});
