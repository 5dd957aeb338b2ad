import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseLogsRequestJson,
  parseMetricsRequestJson,
  parseTraceRequestJson,
  type ResourceLogs,
  type ResourceMetrics,
  type ResourceSpans,
} from '@elkhound/otlp';
import { encodeLogs, encodeMetrics, encodeSpans, type EcsDocument } from '../src';

// Golden cases: packages/ecs/testdata/<case>/ holds the input as an OTLP/JSON export request, as
// an SDK or a Collector sends it (`traces.otlp.json`, `logs.otlp.json` or `metrics.otlp.json`),
// and expected.json the ECS documents the mapping must produce from it (decoded by
// @elkhound/otlp's OTLP/JSON decoder, as the sidecar does).
// Regenerate the expected files with `npm run golden -w @elkhound/ecs` and review the diff.

export const TESTDATA = join(__dirname, '..', 'testdata');

export interface GoldenDocument {
  _id: string;
  data_stream: string;
  source: Record<string, unknown>;
}

export interface GoldenCase {
  name: string;
  input:
    | { signal: 'traces'; resourceSpans: ResourceSpans[] }
    | { signal: 'logs'; resourceLogs: ResourceLogs[] }
    | { signal: 'metrics'; resourceMetrics: ResourceMetrics[] };
  expectedPath: string;
}

export function loadGoldenCases(): GoldenCase[] {
  return readdirSync(TESTDATA, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => ({
      name: entry.name,
      input: readInput(join(TESTDATA, entry.name)),
      expectedPath: join(TESTDATA, entry.name, 'expected.json'),
    }));
}

function readInput(folder: string): GoldenCase['input'] {
  const files = readdirSync(folder).filter((file) => file.endsWith('.otlp.json'));
  if (files.length !== 1)
    throw new Error(`${folder}: expected one <signal>.otlp.json, got ${files.join(', ')}`);
  const file = files[0] as string;
  const text = readFileSync(join(folder, file), 'utf8');
  switch (file) {
    case 'traces.otlp.json':
      return { signal: 'traces', resourceSpans: parseTraceRequestJson(text) };
    case 'logs.otlp.json':
      return { signal: 'logs', resourceLogs: parseLogsRequestJson(text) };
    case 'metrics.otlp.json':
      return { signal: 'metrics', resourceMetrics: parseMetricsRequestJson(text) };
    default:
      throw new Error(`${folder}: unknown input ${file}`);
  }
}

export function encodeCase(input: GoldenCase['input']): EcsDocument[] {
  switch (input.signal) {
    case 'traces':
      return encodeSpans(input.resourceSpans);
    case 'logs':
      return encodeLogs(input.resourceLogs);
    case 'metrics':
      return encodeMetrics(input.resourceMetrics);
  }
}

export function toGolden(documents: EcsDocument[]): GoldenDocument[] {
  return documents.map((document) => ({
    _id: document.id,
    data_stream: document.dataStream,
    source: JSON.parse(document.source) as Record<string, unknown>,
  }));
}

export function readExpected(goldenCase: GoldenCase): GoldenDocument[] {
  return JSON.parse(readFileSync(goldenCase.expectedPath, 'utf8')) as GoldenDocument[];
}

export function writeExpected(goldenCase: GoldenCase): void {
  writeFileSync(
    goldenCase.expectedPath,
    `${JSON.stringify(toGolden(encodeCase(goldenCase.input)), null, 2)}\n`,
  );
}
