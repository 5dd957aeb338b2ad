// Attribute objects built from a known shape. An object filled by keyed stores with more than a
// dozen names turns into a dictionary in V8: slow to create, slow to iterate, slow to serialise
// (a 24-attribute GenAI span: about 1.3 µs to build, 0.6 µs for one `for…in`). Spans of one
// instrumentation carry the same attribute names in the same order, so the decoder gathers names
// and values into arrays and builds the object with a function compiled once per sequence of
// names: an object literal, created in tens of nanoseconds with a shared fast hidden class.
// The trie of those sequences also tells the decoder which name (and which short value) usually
// comes next: comparing the next key's bytes with that name's is cheaper than hashing and looking
// them up.
import type { AnyValue, Attributes } from './model';
import { setOwnMember } from './own-member';
import { knownString, type KnownString, type ProtobufReader } from './protobuf-reader';

/** Sequences seen fewer times than this are built by keyed stores: one-off shapes compile nothing. */
const COMPILE_AFTER = 3;
/** Longer sequences are rare and not worth a function of their own. */
const MAX_COMPILED_NAMES = 64;
/** Bound on the trie (emptied when reached): names are client input, so shapes cannot grow memory without limit. */
const MAX_NODES = 4096;

type Factory = (values: readonly AnyValue[]) => Attributes;

/** A node is named by its KnownString: its bytes are compared with the next key's (see `expected`). */
interface ShapeNode extends ExpectedName {
  /** Usually one: spans of a shape follow one path. Searched in order, by identity first. */
  children: ShapeNode[] | undefined;
  hits: number;
  factory: Factory | undefined;
  /** A name this shape cannot take in an object literal (`__proto__`) lies on the path. */
  readonly unsafe: boolean;
}

/** False once compiling a factory was refused. */
let codeGeneration = true;

function newRoot(): ShapeNode {
  return {
    ...knownString(''),
    value: null,
    changes: 0,
    children: undefined,
    hits: 0,
    factory: undefined,
    unsafe: false,
  };
}

let root = newRoot();
let nodes = 1;

function childOf(node: ShapeNode, name: string): ShapeNode | undefined {
  const children = node.children;
  if (children !== undefined) {
    for (let index = 0; index < children.length; index++) {
      const child = children[index] as ShapeNode;
      // Names come from the reader's intern table: the same string object, so `===` is a pointer
      // comparison in the common case and a content comparison otherwise.
      if (child.name === name) return child;
    }
  }
  if (nodes >= MAX_NODES) return undefined;
  nodes++;
  const child: ShapeNode = {
    ...knownString(name),
    value: undefined,
    changes: 0,
    children: undefined,
    hits: 0,
    factory: undefined,
    unsafe: node.unsafe || name === '__proto__',
  };
  (node.children ??= []).push(child);
  return child;
}

function compile(names: readonly string[], count: number): Factory {
  let members = '';
  for (let index = 0; index < count; index++) {
    // JSON string literals are JavaScript string literals: no name can escape its quotes.
    members += `${index === 0 ? '' : ','}${JSON.stringify(names[index])}:values[${index}]`;
  }
  return new Function('values', `"use strict";return {${members}};`) as Factory;
}

/** Keyed stores: what every shape starts as, and the path for rare or unsafe ones. */
function assign(names: readonly string[], values: readonly AnyValue[], count: number): Attributes {
  const attributes: Attributes = {};
  for (let index = 0; index < count; index++) {
    // A `__proto__` attribute is data, not the prototype.
    setOwnMember(attributes, names[index] as string, values[index]);
  }
  return attributes;
}

/**
 * The attributes named `names[0..count)` with `values[0..count)` (a later duplicate name wins, as
 * with repeated KeyValues on the wire), whose names led from the root to `node` (undefined: off
 * the trie). The arrays are scratch: the object copies the values.
 */
function buildAttributes(
  names: readonly string[],
  values: readonly AnyValue[],
  count: number,
  node: ShapeNode | undefined,
): Attributes {
  if (count === 0) return {};
  if (node === undefined || node.unsafe) return assign(names, values, count);
  if (node.factory !== undefined) return node.factory(values);
  if (++node.hits >= COMPILE_AFTER && codeGeneration) {
    try {
      node.factory = compile(names, count);
    } catch {
      // `node --disallow-code-generation-from-strings` (or a policy) forbids `new Function`:
      // every shape is then built by keyed stores, slower but the same objects.
      codeGeneration = false;
    }
  }
  return assign(names, values, count);
}

/**
 * The name a shape expects next, and the short string value it had the last times: a provider,
 * a model, an operation, a method or a route repeats from span to span.
 */
export interface ExpectedName extends KnownString {
  /** undefined: none seen yet; null: the values change too often (or are long) to guess. */
  value: KnownString | null | undefined;
  /** Times the value changed. */
  changes: number;
}

/** Values changing more often than this stop being guessed. */
const MAX_VALUE_CHANGES = 3;
/** Longer values (ids, hashes, URLs) are not guessed: they differ from span to span. */
const MAX_GUESSED_VALUE_BYTES = 32;

/**
 * Reads the string value of the attribute `expected` names, comparing its bytes with the value
 * it had before (see ExpectedName), and remembers it for the next span while it stays steady.
 */
export function readExpectedString(reader: ProtobufReader, expected: ExpectedName): string {
  const guess = expected.value;
  const start = reader.position;
  const value = reader.string(guess ?? undefined);
  if (guess === null || value === guess?.name) return value;
  if (
    reader.position - start > MAX_GUESSED_VALUE_BYTES + 1 ||
    expected.changes >= MAX_VALUE_CHANGES
  )
    expected.value = null;
  else {
    if (guess !== undefined) expected.changes++;
    expected.value = knownString(value);
  }
  return value;
}

/**
 * Names and values of one message's attributes, gathered while its fields are read, and the
 * shape they follow so far (a node of the trie). Lists are reused: `AttributeList.take()` hands
 * out a free one (messages nest, so several are in use at once), `build()` gives it back.
 */
export class AttributeList {
  names: string[] = [];
  values: AnyValue[] = [];
  count = 0;
  /** Where the names so far lead in the trie; undefined once off it (too long, trie full). */
  private node: ShapeNode | undefined = undefined;

  private static readonly free: AttributeList[] = [];

  static take(): AttributeList {
    const list = AttributeList.free.pop() ?? new AttributeList();
    list.node = root;
    return list;
  }

  /**
   * The name that usually comes next in this shape, for the decoder to compare the next key's
   * bytes with instead of decoding them (undefined when there is no guess).
   */
  expected(): ExpectedName | undefined {
    return this.node?.children?.[0];
  }

  push(name: string, value: AnyValue): void {
    this.names[this.count] = name;
    this.values[this.count] = value;
    this.count++;
    const node = this.node;
    if (node !== undefined)
      this.node = this.count > MAX_COMPILED_NAMES ? undefined : childOf(node, name);
  }

  /** The attributes object; the list is free again afterwards. */
  build(): Attributes {
    const attributes = buildAttributes(this.names, this.values, this.count, this.node);
    this.count = 0;
    if (nodes >= MAX_NODES) {
      // Full: start again, so that the shapes in use now get factories. Lists walking the old
      // trie finish their walk there (it is no longer reachable).
      root = newRoot();
      nodes = 1;
    }
    this.node = undefined;
    if (AttributeList.free.length < MAX_FREE_LISTS) AttributeList.free.push(this);
    return attributes;
  }
}

/** Lists kept for reuse: one per nesting level in use is enough. */
const MAX_FREE_LISTS = 16;
