// `elkhound report`: options, source choice and output. The sidecar's `elkhound` command hands
// `report …` to `runReport`.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectionOptionsFromEnv } from '@elkhound/exporter-elasticsearch';
import { ElasticsearchReportSource } from './elasticsearch-source';
import { reportFromFiles } from './file-source';
import type { Report } from './model';
import { makeQuery, ReportOptionError } from './query';
import { renderHtml } from './render-html';
import { renderTerminal } from './render-terminal';

export const REPORT_HELP = `Usage: elkhound report [options]

Cost and tokens by model and service, latency p50/p95/p99 and time to first chunk by model,
errors by elkhound.error.category over time, the slowest calls, duplicate prompts (by
elkhound.prompt.hash) with what a response cache would have saved, and unpriced models.
Reads Elasticsearch (ELASTICSEARCH_URL, with ELASTICSEARCH_API_KEY or _USERNAME/_PASSWORD and
ELASTICSEARCH_CA_FILE) with aggregations, or the sidecar's NDJSON files (--dir).

Options:
  --since <time>      start: a duration back from now (15m, 24h, 7d) or an ISO time (default: 24h)
  --until <time>      end: the same forms (default: now)
  --service <name>    only this service.name
  --model <name>      only this model (request or response model)
  --top <n>           rows of the slowest calls and duplicate prompts (default: 10)
  --dir <folder>      read the NDJSON files of this folder instead of Elasticsearch
                      (default without ELASTICSEARCH_URL: ELKHOUND_FILE_SINK_DIR, or
                      <ELKHOUND_DATA_DIR or ./elkhound-data>/ndjson)
  --namespace <name>  only the data stream traces-elkhound-<name> (default: all namespaces)
  --json              print the report as JSON instead of tables
  --html <file>       also write the report as a self-contained HTML page with charts
  -h, --help          show this help
`;

const VALUE_OPTIONS = new Set([
  'since',
  'until',
  'service',
  'model',
  'top',
  'dir',
  'namespace',
  'html',
]);

interface ReportArguments {
  values: Record<string, string>;
  json: boolean;
  help: boolean;
}

function parse(argv: readonly string[]): ReportArguments {
  const parsed: ReportArguments = { values: {}, json: false, help: false };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    if (argument === '-h' || argument === '--help') parsed.help = true;
    else if (argument === '--json') parsed.json = true;
    else if (argument.startsWith('--')) {
      const [name, inline] = argument.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      if (!VALUE_OPTIONS.has(name))
        throw new ReportOptionError(`unknown option --${name}; see elkhound report --help`);
      const value = inline ?? argv[++index];
      if (value === undefined || value === '')
        throw new ReportOptionError(`--${name}: expected a value after it`);
      parsed.values[name] = value;
    } else
      throw new ReportOptionError(
        `unexpected argument ${JSON.stringify(argument)}; see elkhound report --help`,
      );
  }
  return parsed;
}

function defaultDirectory(env: NodeJS.ProcessEnv): string {
  return env.ELKHOUND_FILE_SINK_DIR ?? join(env.ELKHOUND_DATA_DIR ?? './elkhound-data', 'ndjson');
}

export interface ReportOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Runs `elkhound report`; returns the exit code (0 ok, 1 the source failed, 2 bad options). */
export async function runReport(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  output: ReportOutput = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  },
): Promise<number> {
  let parsed: ReportArguments;
  try {
    parsed = parse(argv);
    if (parsed.help) {
      output.stdout(REPORT_HELP);
      return 0;
    }
  } catch (error) {
    output.stderr(`elkhound report: ${(error as Error).message}\n`);
    return 2;
  }
  let report: Report;
  try {
    const query = makeQuery(parsed.values);
    const connection = parsed.values.dir === undefined ? connectionOptionsFromEnv(env) : undefined;
    if (connection) {
      const source = new ElasticsearchReportSource(connection, parsed.values.namespace);
      try {
        report = await source.report(query);
      } finally {
        await source.close();
      }
    } else {
      const directory = parsed.values.dir ?? defaultDirectory(env);
      if (parsed.values.dir === undefined && !existsSync(directory))
        throw new ReportOptionError(
          `no data source: set ELASTICSEARCH_URL (or ELASTIC_CLOUD_ID), or --dir <folder> of the sidecar's NDJSON files (${directory} does not exist)`,
        );
      report = await reportFromFiles(directory, query);
    }
  } catch (error) {
    output.stderr(`elkhound report: ${(error as Error).message}\n`);
    return error instanceof ReportOptionError || (error as Error).name === 'ConnectionConfigError'
      ? 2
      : 1;
  }
  output.stdout(parsed.json ? `${JSON.stringify(report, null, 2)}\n` : renderTerminal(report));
  if (parsed.values.html !== undefined) {
    try {
      writeFileSync(parsed.values.html, renderHtml(report));
    } catch (error) {
      output.stderr(
        `elkhound report: could not write ${parsed.values.html}: ${(error as Error).message}\n`,
      );
      return 1;
    }
  }
  return 0;
}
