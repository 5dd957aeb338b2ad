// An HTTP service calling the openai SDK inside its request handler: with ./telemetry.js
// preloaded, the request is a transaction (HttpInstrumentation), the model call a GenAI span
// under it, and the log written in the handler carries the same trace.id.
'use strict';
const http = require('node:http');
const { logs } = require('@opentelemetry/api');
const OpenAI = require('openai');

const client = new OpenAI();
const logger = logs.getLogger('custom-nodesdk-example');

const server = http.createServer(async (request, response) => {
  try {
    const completion = await client.chat.completions.create({
      model: process.env.OPENAI_MODEL || 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Summarise my order' }],
    });
    const answer = completion.choices[0].message.content;
    logger.emit({
      severityText: 'INFO',
      severityNumber: 9,
      body: `answered ${request.url}: ${answer}`,
    });
    response.writeHead(200, { 'content-type': 'text/plain' }).end(answer);
  } catch (error) {
    logger.emit({ severityText: 'ERROR', severityNumber: 17, body: `failed: ${error.message}` });
    response.writeHead(502).end();
  }
});

server.listen(Number(process.env.PORT || 3000), '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`listening on http://127.0.0.1:${port}`);
  // With ONE_REQUEST set (the repository's test), ask once and stop.
  if (process.env.ONE_REQUEST) {
    http.get(`http://127.0.0.1:${port}/summary`, (answer) => {
      answer.resume();
      answer.on('end', () => server.close());
    });
  }
});
