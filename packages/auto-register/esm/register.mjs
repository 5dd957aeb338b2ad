// `node --import @elkhound/auto-register app.mjs`
// The ESM loader hook goes in first, so the app's `import OpenAI from 'openai'` is patched too.
import { createRequire, register } from 'node:module';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
createRequire(import.meta.url)('../dist/register-cjs.js');
