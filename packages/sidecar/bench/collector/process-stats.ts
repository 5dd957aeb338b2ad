// What the side-by-side bench reads of a process: CPU seconds and peak RSS from /proc, the same way
// for the sidecar (Node), the Collector (Go) and Elasticsearch (Java).
import { existsSync, readFileSync } from 'node:fs';

/** CPU seconds (user + system, clock ticks of 1/100 s) a process has used so far. */
export function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The process's peak resident set (VmHWM), in bytes. */
export function peakRssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((candidate) => candidate.startsWith('VmHWM:'));
  return Number(line?.replace(/\D+/g, '') ?? NaN) * 1024;
}

/** The pid of the Elasticsearch node at `url`, when it runs on this machine. */
export async function elasticsearchPid(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(
      new URL('/_nodes/_local/process?filter_path=nodes.*.process.id', url),
    );
    const nodes = (
      (await response.json()) as { nodes: Record<string, { process: { id: number } }> }
    ).nodes;
    const pid = Object.values(nodes)[0]?.process.id;
    return pid !== undefined && existsSync(`/proc/${pid}/stat`) ? pid : undefined;
  } catch {
    return undefined;
  }
}
