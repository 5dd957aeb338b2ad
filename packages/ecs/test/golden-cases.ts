import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourceLogs, ResourceMetrics, ResourceSpans } from '@elkhound/otlp';
import { encodeLogs, encodeMetrics, encodeSpans, type EcsDocument } from '../src';

// Golden cases: packages/ecs/testdata/<case>/input.json holds the input in the shared OTLP model
// (`{ signal: 'traces', resourceSpans }`, `{ signal: 'logs', resourceLogs }` or
// `{ signal: 'metrics', resourceMetrics }`, times as
// [seconds, nanoseconds]); expected.json holds the ECS documents the mapping must produce.
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
      input: JSON.parse(
        readFileSync(join(TESTDATA, entry.name, 'input.json'), 'utf8'),
      ) as GoldenCase['input'],
      expectedPath: join(TESTDATA, entry.name, 'expected.json'),
    }));
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
