// The sidecar's own logs: one ECS JSON object per line on stdout, so the same pipeline that ships
// the application's logs can ship these. Callers pass facts, never secrets (no tokens, no
// passwords, no document content).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  const threshold = RANK[level];
  const emit = (at: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (RANK[at] < threshold) return;
    const document: Record<string, unknown> = {
      '@timestamp': new Date().toISOString(),
      'log.level': at,
      message,
      'ecs.version': '8.11.0',
      'service.name': 'elkhound-sidecar',
      'process.pid': process.pid,
      ...fields,
    };
    try {
      write(JSON.stringify(document) + '\n');
    } catch {
      // A closed stdout must not take the sidecar down.
    }
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    return { 'error.type': error.name, 'error.message': error.message };
  }
  return { 'error.message': String(error) };
}
