// Your own NodeSDK, with GenAIInstrumentation next to other instrumentations, writing ECS
// documents straight into Elasticsearch data streams (no Collector, no sidecar). Load it first:
//   node --require ./telemetry.js app.js
'use strict';
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace');
const { BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const {
  GenAICostSpanProcessor,
  GenAIInstrumentation,
  TransactionLogRecordProcessor,
  TransactionSpanProcessor,
} = require('@elkhound/instrumentation-genai');
const {
  ElasticsearchLogRecordExporter,
  ElasticsearchSpanExporter,
} = require('@elkhound/exporter-elasticsearch');

// The exporters read the connection from the environment: ELASTICSEARCH_URL (or ELASTIC_CLOUD_ID),
// with ELASTICSEARCH_API_KEY (or _USERNAME/_PASSWORD) and ELASTICSEARCH_CA_FILE; without one of
// the first two they throw here, at start.
const namespace = process.env.ELKHOUND_NAMESPACE || 'default';

const sdk = new NodeSDK({
  instrumentations: [
    new HttpInstrumentation(),
    new GenAIInstrumentation({ captureMessageContent: false }),
  ],
  // Elkhound's processors first: they stamp elkhound.transaction.id (the id of the local entry
  // span, ECS transaction.id) on spans and log records, and price the model calls of frameworks
  // Elkhound does not instrument (the Vercel AI SDK over fetch), before the exporters see them.
  spanProcessors: [
    new TransactionSpanProcessor(),
    new GenAICostSpanProcessor(),
    new BatchSpanProcessor({ exporter: new ElasticsearchSpanExporter({ namespace }) }),
  ],
  logRecordProcessors: [
    new TransactionLogRecordProcessor(),
    new BatchLogRecordProcessor({
      exporter: new ElasticsearchLogRecordExporter({ namespace }),
    }),
  ],
});
sdk.start();

// Flush what is buffered before the process ends.
let stopping;
const stop = () =>
  (stopping ??= sdk.shutdown().catch((error) => console.error('telemetry shutdown', error)));
process.once('beforeExit', stop);
process.once('SIGTERM', () => stop().finally(() => process.exit(0)));
