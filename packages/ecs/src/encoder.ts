import type { ResourceLogs, ResourceMetrics, ResourceSpans } from '@elkhound/otlp';
import { encodeLogs } from './log-encoder';
import { encodeMetrics } from './metric-encoder';
import { encodeSpans } from './span-encoder';
import type { EcsDocument, EncodeOptions } from './types';

/** One encoder per signal behind one interface; `encoderFor` is the only place that knows the list. */
export interface SignalEncoder<Input> {
  readonly signal: 'traces' | 'logs' | 'metrics';
  encode(input: readonly Input[], options?: EncodeOptions): EcsDocument[];
}

const encoders = {
  traces: { signal: 'traces', encode: encodeSpans } satisfies SignalEncoder<ResourceSpans>,
  logs: { signal: 'logs', encode: encodeLogs } satisfies SignalEncoder<ResourceLogs>,
  metrics: { signal: 'metrics', encode: encodeMetrics } satisfies SignalEncoder<ResourceMetrics>,
} as const;

export function encoderFor<Signal extends keyof typeof encoders>(
  signal: Signal,
): (typeof encoders)[Signal] {
  return encoders[signal];
}
