import { join } from 'node:path';
import { BulkWriter, describeRoles, setupElasticsearch } from '@elkhound/exporter-elasticsearch';
import type { EcsDocument } from '@elkhound/ecs';
import { runReport } from '@elkhound/report';
import { ConfigError, loadConfig, optionsHelp, type SidecarConfig } from '../config';
import { DeadLetterQueue } from '../dlq/dead-letter-queue';
import { readKafkaConfig, type KafkaConfig } from '../kafka/kafka-config';
import {
  RECORD_DEAD_LETTER_FILE,
  RecordDeadLetters,
  UNSENT_RECORD_FILE,
} from '../kafka/record-dead-letters';
import { replayRecordDeadLetters } from '../kafka/record-replay';
import { createLogger, errorFields, type Logger } from '../log';
import { Sidecar } from '../sidecar';

const USAGE = `Usage: elkhound <command> [options]

Commands:
  sidecar        Receive OTLP (HTTP 4318, gRPC 4317) and write ECS documents durably
  consume        Read OTLP from Kafka (a consumer group) and write ECS to Elasticsearch
  setup          Install the index templates and lifecycle in Elasticsearch, then exit
  dlq list       Show the documents Elasticsearch rejected for good
  dlq replay     Send the dead-lettered documents again (e.g. after a template fix)
  report         Cost, tokens, latency, errors and duplicate prompts of the LLM calls

Run "elkhound <command> --help" for the options of a command.
`;

const COMMON = `Options:
  --config <file>   YAML configuration file (default: none); environment variables override it
  -h, --help        Show this help
`;

const HELP: Record<string, string> = {
  sidecar: `Usage: elkhound sidecar [--config <file>]

Receives OTLP/HTTP (/v1/traces, /v1/logs, /v1/metrics; protobuf or JSON; gzip) and OTLP/gRPC,
maps it to ECS, writes it to an fsynced on-disk queue before answering, and sends it to
Elasticsearch (ELASTICSEARCH_URL) or, without Elasticsearch, to rotated NDJSON files.
Health: GET /healthz, /readyz; Prometheus metrics: GET /metrics (on the HTTP port).
SIGTERM: stop accepting, flush for at most shutdown_timeout_ms, keep the rest on disk.

${COMMON}
Settings (environment variable, YAML key, default):
${optionsHelp()}
`,
  consume: `Usage: elkhound consume [--config <file>]

Joins the consumer group kafka.group_id (ELKHOUND_KAFKA_GROUP_ID, default elkhound) on the OTLP
topics (otlp_spans, otlp_logs, otlp_metrics by default: what the Collector's kafka exporter and
"elkhound sidecar" with kafka.forward write), reads otlp_proto and otlp_json records, maps them to
ECS and bulk-writes them to Elasticsearch. Offsets are committed only after Elasticsearch settled
every document of the records below them; a record that cannot be read goes to
<data_dir>/dlq/kafka-records.ndjson with its topic, partition and offset. Run several for more
throughput (at most one per partition). Metrics: GET /metrics on http.port.
Needs ELKHOUND_KAFKA_BROKERS and ELASTICSEARCH_URL; the sidecar's Elasticsearch, bulk, data_dir,
namespace and kafka.* settings apply (see elkhound sidecar --help).

${COMMON}`,
  setup: `Usage: elkhound setup [--config <file>]
       elkhound setup --print-roles

Installs the index templates, component templates and lifecycle (ILM where the cluster has it)
for traces-elkhound-*, logs-elkhound-*, metrics-elkhound-*. Idempotent. Reads ELASTICSEARCH_URL,
ELASTICSEARCH_API_KEY, ELASTICSEARCH_USERNAME/PASSWORD, ELASTICSEARCH_CA_FILE and
ELKHOUND_RETENTION (default 30d), or the same keys of the YAML file.

--print-roles   print the least-privilege role descriptors for the sidecar and the exporters
                (writing), for setup and for report (reading), and how to make API keys with
                them; needs no connection

${COMMON}`,
  dlq: `Usage: elkhound dlq list [--json] [--kafka] [--config <file>]
       elkhound dlq replay [--kafka] [--config <file>]

list     one line per dead letter: time, data stream, id, status, error type and reason;
         --json prints one JSON object per line with the document's source as well
replay   sends every dead letter again with its own id (create: never a duplicate); those
         acknowledged are removed, those rejected again stay with the new reason.
--kafka  the Kafka records instead: those elkhound consume could not read
         (kafka-records.ndjson) and those Kafka refused from the sidecar (kafka-unsent.ndjson).
         replay maps them straight to Elasticsearch with elkhound consume's decoders and topics
         (kafka.topics.*, kafka.encoding), not through Kafka; records that still cannot be read
         stay with the new reason.
The dead-letter queue lives in <data_dir>/dlq (ELKHOUND_DATA_DIR, default ./elkhound-data).

${COMMON}`,
};

interface ParsedArguments {
  command: string[];
  configFile: string | undefined;
  json: boolean;
  kafka: boolean;
  printRoles: boolean;
  help: boolean;
}

function parseArguments(argv: readonly string[]): ParsedArguments {
  const parsed: ParsedArguments = {
    command: [],
    configFile: undefined,
    json: false,
    kafka: false,
    printRoles: false,
    help: false,
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    if (argument === '--help' || argument === '-h') parsed.help = true;
    else if (argument === '--json') parsed.json = true;
    else if (argument === '--kafka') parsed.kafka = true;
    else if (argument === '--print-roles') parsed.printRoles = true;
    else if (argument === '--config') {
      const file = argv[++index];
      if (file === undefined) throw new ConfigError('--config: expected a file path after it');
      parsed.configFile = file;
    } else if (argument.startsWith('--config='))
      parsed.configFile = argument.slice('--config='.length);
    else if (argument.startsWith('-'))
      throw new ConfigError(`unknown option ${argument}; see elkhound --help`);
    else parsed.command.push(argument);
  }
  return parsed;
}

/** The `elkhound` command; sets process.exitCode rather than exiting, so output is flushed. */
export async function main(argv: readonly string[]): Promise<void> {
  // `report` has options of its own (and needs no sidecar configuration).
  if (argv[0] === 'report') {
    process.exitCode = await runReport(argv.slice(1));
    return;
  }
  let parsed: ParsedArguments;
  try {
    parsed = parseArguments(argv);
  } catch (error) {
    process.stderr.write(`elkhound: ${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const [command, subcommand] = parsed.command;
  if (command === undefined) {
    process.stdout.write(USAGE);
    process.exitCode = parsed.help ? 0 : 2;
    return;
  }
  const help = HELP[command];
  if (help === undefined) {
    process.stderr.write(`elkhound: unknown command "${command}"\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (parsed.help) {
    process.stdout.write(help);
    return;
  }
  if (parsed.printRoles) {
    if (command !== 'setup') {
      process.stderr.write(`elkhound: --print-roles belongs to "elkhound setup"\n`);
      process.exitCode = 2;
      return;
    }
    process.stdout.write(describeRoles());
    return;
  }
  let config: SidecarConfig;
  try {
    config = loadConfig({ ...(parsed.configFile ? { configFile: parsed.configFile } : {}) });
  } catch (error) {
    process.stderr.write(`elkhound: configuration: ${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  try {
    if (command === 'sidecar') await runSidecar(config);
    else if (command === 'consume') await runConsume(config);
    else if (command === 'setup') await runSetup(config);
    else if (subcommand === 'list' && parsed.kafka)
      await listRecordDeadLetters(config, parsed.json);
    else if (subcommand === 'replay' && parsed.kafka) await replayRecordDeadLetterFiles(config);
    else if (subcommand === 'list') await listDeadLetters(config, parsed.json);
    else if (subcommand === 'replay') await replayDeadLetters(config);
    else {
      process.stderr.write(`elkhound dlq: expected "list" or "replay"\n\n${HELP.dlq ?? ''}`);
      process.exitCode = 2;
    }
  } catch (error) {
    process.stderr.write(`elkhound ${command}: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}

async function runSidecar(config: SidecarConfig): Promise<void> {
  const logger = createLogger(config.logLevel);
  let sidecar: Sidecar;
  try {
    sidecar = await Sidecar.start(config, logger);
  } catch (error) {
    logger.error('elkhound sidecar could not start', errorFields(error));
    process.exitCode = 1;
    return;
  }
  stopOnSignals(sidecar, config, logger);
}

async function runConsume(config: SidecarConfig): Promise<void> {
  const logger = createLogger(config.logLevel);
  // Loaded here: the Kafka client costs ~58 MiB of RSS, which no other command needs.
  const { ConsumeService } = await import('../kafka/consume-command.js');
  const service = await ConsumeService.start(config, logger);
  stopOnSignals(service, config, logger);
}

/** SIGTERM / SIGINT: a graceful stop, then exit; whatever is not acknowledged stays queued. */
function stopOnSignals(
  running: { stop(): Promise<void> },
  config: SidecarConfig,
  logger: Logger,
): void {
  const stop = (signal: string): void => {
    logger.info('stopping', { 'process.signal': signal });
    // A last resort, which also holds the event loop open while the shutdown awaits promises:
    // whatever is not acknowledged is in the queue anyway.
    const deadline = setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting, the queue keeps the rest');
      process.exit(1);
    }, config.shutdownTimeoutMs + 10_000);
    running.stop().then(
      () => {
        clearTimeout(deadline);
        process.exit(process.exitCode ?? 0);
      },
      (error: unknown) => {
        logger.error('shutdown failed', errorFields(error));
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

function requireElasticsearch(config: SidecarConfig): NonNullable<SidecarConfig['elasticsearch']> {
  if (!config.elasticsearch) {
    throw new Error(
      'ELASTICSEARCH_URL or ELASTIC_CLOUD_ID (or elasticsearch.url / elasticsearch.cloud_id in the config file) is not set',
    );
  }
  return config.elasticsearch;
}

async function runSetup(config: SidecarConfig): Promise<void> {
  const result = await setupElasticsearch(requireElasticsearch(config), {
    retention: config.retention,
  });
  process.stdout.write(
    `installed: ${result.installed.length ? result.installed.join(', ') : '(none)'}\n` +
      `already current: ${result.current.length}\nILM: ${result.ilm ? 'yes' : 'not available, data stream lifecycle only'}\n`,
  );
}

async function listDeadLetters(config: SidecarConfig, json: boolean): Promise<void> {
  const letters = await new DeadLetterQueue(join(config.dataDirectory, 'dlq')).list();
  if (json) {
    for (const letter of letters) process.stdout.write(JSON.stringify(letter) + '\n');
    return;
  }
  if (letters.length === 0) {
    process.stdout.write('no dead letters\n');
    return;
  }
  for (const letter of letters) {
    process.stdout.write(
      `${letter.time}  ${letter.dataStream}  ${letter.id}  ${letter.status} ${letter.errorType}: ${letter.reason}\n`,
    );
  }
  process.stdout.write(`${letters.length} dead letter(s)\n`);
}

/** A replay's writer: a bounded retry, as a person runs it and wants an answer, not a hang. */
function replayWriter(
  connection: ConstructorParameters<typeof BulkWriter>[0]['connection'],
  onRejected?: ConstructorParameters<typeof BulkWriter>[0]['onRejected'],
): BulkWriter {
  return new BulkWriter({
    connection,
    retry: { maxRetries: 5, maxElapsedMs: 60_000 },
    ...(onRejected ? { onRejected } : {}),
  });
}

/** Sends the documents; throws when Elasticsearch did not take them all, so nothing is removed. */
async function sendAll(
  writer: BulkWriter,
  documents: EcsDocument[],
): Promise<Awaited<ReturnType<BulkWriter['send']>>> {
  const outcome = await writer.send(documents);
  if (outcome.unsent.length > 0) {
    throw new Error(
      `Elasticsearch did not take ${outcome.unsent.length} documents; nothing was removed`,
    );
  }
  return outcome;
}

async function replayDeadLetters(config: SidecarConfig): Promise<void> {
  const connection = requireElasticsearch(config);
  const deadLetters = new DeadLetterQueue(join(config.dataDirectory, 'dlq'));
  await deadLetters.open();
  const writer = replayWriter(connection);
  try {
    const result = await deadLetters.replay((documents) => sendAll(writer, documents));
    process.stdout.write(
      `replayed ${result.replayed}: ${result.acknowledged} acknowledged, ${result.stillRejected} rejected again (kept)\n`,
    );
    if (result.stillRejected > 0) process.exitCode = 1;
  } finally {
    await writer.close();
  }
}

/** Both files of Kafka records: those consume could not read, those Kafka refused to take. */
function recordDeadLetterFiles(config: SidecarConfig): RecordDeadLetters[] {
  const directory = join(config.dataDirectory, 'dlq');
  return [
    new RecordDeadLetters(directory, RECORD_DEAD_LETTER_FILE),
    new RecordDeadLetters(directory, UNSENT_RECORD_FILE),
  ];
}

async function listRecordDeadLetters(config: SidecarConfig, json: boolean): Promise<void> {
  let count = 0;
  for (const file of recordDeadLetterFiles(config)) {
    for (const letter of await file.list()) {
      count++;
      if (json) {
        process.stdout.write(JSON.stringify(letter) + '\n');
        continue;
      }
      const place =
        letter.partition < 0
          ? `${letter.topic} (not produced)`
          : `${letter.topic}/${letter.partition}@${letter.offset}`;
      process.stdout.write(
        `${letter.time}  ${place}  ${Buffer.byteLength(letter.value, 'base64')} bytes  ${letter.errorType}: ${letter.reason}\n`,
      );
    }
  }
  if (!json)
    process.stdout.write(
      count === 0 ? 'no Kafka record dead letters\n' : `${count} Kafka record dead letter(s)\n`,
    );
}

async function replayRecordDeadLetterFiles(config: SidecarConfig): Promise<void> {
  const connection = requireElasticsearch(config);
  // Without brokers configured, the topics and encoding are the defaults elkhound consume has.
  const kafka =
    config.kafka ??
    (readKafkaConfig(
      (key) =>
        key === 'kafka.brokers' ? { value: '127.0.0.1:9092', source: 'default' } : undefined,
      (message) => new Error(message),
    ) as KafkaConfig);
  const documentLetters = await new DeadLetterQueue(join(config.dataDirectory, 'dlq')).open();
  // Documents Elasticsearch refuses for good go where consume puts them: the document DLQ.
  const writer = replayWriter(connection, (rejected) => documentLetters.appendRejected(rejected));
  let kept = 0;
  try {
    for (const file of recordDeadLetterFiles(config)) {
      const result = await replayRecordDeadLetters(
        file,
        kafka,
        config.namespace,
        async (documents) => {
          await sendAll(writer, documents);
        },
      );
      kept += result.kept;
      process.stdout.write(
        `${file.path}: replayed ${result.replayed}: ${result.written} written (${result.documents} documents), ${result.kept} kept\n`,
      );
    }
    if (kept > 0) process.exitCode = 1;
  } finally {
    await writer.close();
  }
}
