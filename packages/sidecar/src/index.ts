export { loadConfig, ConfigError, OPTIONS, type SidecarConfig } from './config';
export { Sidecar } from './sidecar';
export {
  DurableQueue,
  QueueFullError,
  type QueueBatch,
  type QueuePosition,
} from './queue/durable-queue';
export { DeadLetterQueue, type DeadLetter } from './dlq/dead-letter-queue';
export { FileSink, type FileSinkOptions } from './sink/file-sink';
export { createLogger, type Logger, type LogLevel } from './log';
export { main } from './cli/main';
