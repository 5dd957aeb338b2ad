// A CommonJS app with no OpenTelemetry code: run it with
//   node --require @elkhound/auto-register app.js
// and every openai call becomes a GenAI span (with tokens, cost and prompt hashes), exported with
// the standard OTEL_* variables (OTLP to http://localhost:4318 unless told otherwise).
'use strict';
const OpenAI = require('openai');

async function main() {
  // OPENAI_API_KEY and OPENAI_BASE_URL (a gateway, a local server) are read by the SDK itself.
  const client = new OpenAI();
  const completion = await client.chat.completions.create({
    model: process.env.OPENAI_MODEL || 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You answer in one sentence.' },
      { role: 'user', content: 'What is OpenTelemetry?' },
    ],
  });
  console.log(completion.choices[0].message.content);

  const stream = await client.chat.completions.create({
    model: process.env.OPENAI_MODEL || 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'And Elasticsearch?' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? '');
  process.stdout.write('\n');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
