// An ES module app with no OpenTelemetry code: run it with
//   node --import @elkhound/auto-register app.mjs
// `--import` installs the ESM loader hook before the app's imports are resolved, so the
// `import Anthropic from '@anthropic-ai/sdk'` below already gets the patched SDK.
import Anthropic from '@anthropic-ai/sdk';

// ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL are read by the SDK itself.
const client = new Anthropic();
const model = process.env.ANTHROPIC_MODEL ?? 'claude-sonnet-4-20250514';
const request = {
  model,
  max_tokens: 256,
  system: 'You answer in one sentence.',
  messages: [{ role: 'user', content: 'What is OpenTelemetry?' }],
};

const message = await client.messages.create(request);
console.log(message.content.find((block) => block.type === 'text')?.text);

// The SDK's streaming helper works as without Elkhound, and is one span.
const stream = client.messages.stream(request);
stream.on('text', (text) => process.stdout.write(text));
await stream.finalMessage();
process.stdout.write('\n');
