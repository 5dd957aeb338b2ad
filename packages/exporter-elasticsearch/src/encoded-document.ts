import type { EcsDocument } from '@elkhound/ecs';

/**
 * A document kept as its two bulk lines — the `create` action line and the source line, each
 * ending in `\n` — at `bytes[start, end)`, as the sidecar's queue stores documents. A bulk body
 * copies those bytes as they are; the id and data stream (from the action line) and the source
 * are read from them only when something asks (a retry of this document alone, a rejection, the
 * file sink), each once.
 */
export class EncodedDocument implements EcsDocument {
  private action: { id: string; dataStream: string } | undefined;
  private text: string | undefined;
  private actionEnd = -1;

  constructor(
    readonly bytes: Buffer,
    readonly start: number,
    readonly end: number,
  ) {}

  get id(): string {
    return (this.action ??= this.readAction()).id;
  }

  get dataStream(): string {
    return (this.action ??= this.readAction()).dataStream;
  }

  get source(): string {
    return (this.text ??= this.bytes.toString('utf8', this.lineBreak() + 1, this.end - 1));
  }

  /** The source line's bytes, its `\n` included (a view, not a copy). */
  sourceLine(): Buffer {
    return this.bytes.subarray(this.lineBreak() + 1, this.end);
  }

  /** Where the action line ends. */
  private lineBreak(): number {
    if (this.actionEnd === -1) {
      const at = this.bytes.indexOf(0x0a, this.start);
      if (at === -1 || at >= this.end - 1 || this.bytes[this.end - 1] !== 0x0a) {
        throw new Error('encoded document: expected an action line and a source line');
      }
      this.actionEnd = at;
    }
    return this.actionEnd;
  }

  private readAction(): { id: string; dataStream: string } {
    return parseAction(this.bytes.toString('utf8', this.start, this.lineBreak()));
  }
}

const ACTION_START = '{"create":{"_index":"';
const ACTION_MIDDLE = '","_id":"';
const ACTION_END = '"}}';

/** `_index` and `_id` of a create action line: cut out when nothing in it is escaped, else parsed. */
function parseAction(line: string): { id: string; dataStream: string } {
  if (line.startsWith(ACTION_START) && line.endsWith(ACTION_END) && !line.includes('\\')) {
    const middle = line.indexOf(ACTION_MIDDLE, ACTION_START.length);
    if (middle !== -1) {
      return {
        dataStream: line.slice(ACTION_START.length, middle),
        id: line.slice(middle + ACTION_MIDDLE.length, line.length - ACTION_END.length),
      };
    }
  }
  const action = JSON.parse(line) as { create?: { _index?: unknown; _id?: unknown } };
  const dataStream = action.create?._index;
  const id = action.create?._id;
  if (typeof dataStream !== 'string' || typeof id !== 'string') {
    throw new Error('encoded document: the action line is not a create action with _index and _id');
  }
  return { id, dataStream };
}
