// Reads the sidecar's NDJSON files (`traces-elkhound-<namespace>.ndjson` and their rotations
// `.ndjson.1` … `.N`) line by line: memory holds the sums, never the files.
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ReportAccumulator } from './accumulator';
import type { Report, ReportQuery } from './model';
import { ReportOptionError } from './query';

const TRACE_FILE = /^traces-elkhound-.+\.ndjson(\.\d+)?$/;

export async function reportFromFiles(directory: string, query: ReportQuery): Promise<Report> {
  const folder = resolve(directory);
  let names: string[];
  try {
    if (!statSync(folder).isDirectory()) throw new Error('not a directory');
    names = readdirSync(folder);
  } catch (error) {
    throw new ReportOptionError(`--dir ${directory}: cannot read it (${(error as Error).message})`);
  }
  const files = names.filter((name) => TRACE_FILE.test(name)).sort();
  if (files.length === 0)
    throw new ReportOptionError(
      `--dir ${directory}: no traces-elkhound-*.ndjson files in it (the sidecar's file sink writes them)`,
    );
  const accumulator = new ReportAccumulator(query, `NDJSON files in ${folder}`);
  for (const file of files) {
    const lines = createInterface({
      input: createReadStream(join(folder, file), 'utf8'),
      crlfDelay: Infinity,
    });
    let number = 0;
    for await (const line of lines) {
      number++;
      if (!line.trim()) continue;
      let document: unknown;
      try {
        document = JSON.parse(line);
      } catch {
        // A line cut by a crash of the writer: the rest of the file still counts.
        process.emitWarning(`${file}:${number}: not JSON, passed over`);
        continue;
      }
      if (typeof document === 'object' && document !== null)
        accumulator.add(document as Record<string, unknown>);
    }
  }
  return accumulator.report();
}
