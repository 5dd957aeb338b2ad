// The thread that counts tokens for estimates (./estimator starts it): it loads gpt-tokenizer's
// encodings here, off the application's event loop, then answers each request with its counts.
// It says `ready` once both encodings are loaded, so that the main thread's bound measures the
// counting, not the one-off load.
import { parentPort } from 'node:worker_threads';
import { estimateUsage, loadEncodings } from './estimate';
import type { EstimateReply, EstimateRequest } from './estimator';

const port = parentPort;
if (port) {
  loadEncodings();
  port.postMessage({ ready: true } satisfies EstimateReply);
  port.on('message', (request: EstimateRequest) => {
    let reply: EstimateReply;
    try {
      const usage = estimateUsage(request.model, request.prompt, request.outputs);
      reply = { id: request.id, usage };
    } catch (error) {
      reply = { id: request.id, error: String(error) };
    }
    port.postMessage(reply);
  });
}
