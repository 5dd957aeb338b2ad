// What every OTLP signal shares below the envelope: Resource, InstrumentationScope and the
// KeyValue/AnyValue attribute encoding (opentelemetry-proto v1 common.proto, resource.proto).
import { OtlpDecodeError, within } from './errors';
import type { AnyValue, InstrumentationScope, Resource } from './model';
import { AttributeList, readExpectedString } from './attribute-shapes';
import { ProtobufReader, WIRE_FIXED64, WIRE_LENGTH, WIRE_VARINT } from './protobuf-reader';

export { AttributeList } from './attribute-shapes';

/** AnyValue nesting deeper than this is refused: no input may exhaust the stack. */
export const MAX_VALUE_DEPTH = 32;

export function decodeResource(reader: ProtobufReader): Resource {
  const out: Resource = { attributes: {} };
  const attributes = AttributeList.take();
  try {
    while (!reader.done) {
      const tag = reader.tag();
      const wire = tag & 7;
      if (tag >>> 3 === 1) {
        reader.expect(wire, WIRE_LENGTH, 'attributes');
        decodeKeyValueField(reader, attributes, 0);
      } else if (tag >>> 3 === 2 && wire === WIRE_VARINT)
        out.droppedAttributesCount = reader.varint32();
      else reader.skip(tag);
    }
  } catch (error) {
    throw within(error, 'resource');
  }
  out.attributes = attributes.build();
  return out;
}

export function decodeScope(reader: ProtobufReader): InstrumentationScope {
  const out: InstrumentationScope = { name: '' };
  let attributes: AttributeList | undefined;
  try {
    while (!reader.done) {
      const tag = reader.tag();
      const wire = tag & 7;
      switch (tag >>> 3) {
        case 1:
          reader.expect(wire, WIRE_LENGTH, 'name');
          out.name = reader.string();
          break;
        case 2:
          reader.expect(wire, WIRE_LENGTH, 'version');
          out.version = reader.string();
          break;
        case 3:
          reader.expect(wire, WIRE_LENGTH, 'attributes');
          decodeKeyValueField(reader, (attributes ??= AttributeList.take()), 0);
          break;
        default:
          reader.skip(tag);
      }
    }
  } catch (error) {
    throw within(error, 'scope');
  }
  if (attributes !== undefined) out.attributes = attributes.build();
  return out;
}

/** Reads one length-delimited KeyValue field in place and adds it to `into`. */
export function decodeKeyValueField(
  reader: ProtobufReader,
  into: AttributeList,
  depth: number,
): void {
  const outer = reader.enter();
  if (readScalarKeyValue(reader, into, outer)) return;
  let key = '';
  let value: AnyValue = undefined;
  while (!reader.done) {
    const tag = reader.tag();
    const wire = tag & 7;
    if (tag >>> 3 === 1) {
      reader.expect(wire, WIRE_LENGTH, 'key');
      key = reader.string();
    } else if (tag >>> 3 === 2) {
      reader.expect(wire, WIRE_LENGTH, 'value');
      const valueOuter = reader.enter();
      try {
        value = decodeAnyValue(reader, depth);
      } catch (error) {
        throw within(error, `attributes[${JSON.stringify(key)}]`);
      }
      reader.leave(valueOuter);
    } else reader.skip(tag);
  }
  reader.leave(outer);
  into.push(key, value);
}

/**
 * The shape nearly every attribute has on the wire, read without the general loops: `key` (field
 * 1), then `value` (field 2) holding one scalar AnyValue field, filling the KeyValue exactly. True
 * when it was that and has been added to `into`; otherwise the reader is back at the start of the
 * KeyValue, for the general path (which also words any error).
 */
function readScalarKeyValue(reader: ProtobufReader, into: AttributeList, outer: number): boolean {
  const bytes = reader.bytes;
  const start = reader.position;
  const end = reader.end;
  try {
    if (bytes[start] !== 0x0a) return false;
    reader.position = start + 1;
    const expected = into.expected();
    const key = reader.string(expected);
    if (reader.position >= end || bytes[reader.position] !== 0x12)
      return rewind(reader, start, end);
    reader.position++;
    const kvEnd = reader.enter();
    const valueEnd = reader.end;
    if (kvEnd !== end || valueEnd !== end || reader.position >= valueEnd)
      return rewind(reader, start, end);
    const tag = bytes[reader.position++] as number;
    const value =
      tag === 0x0a && expected !== undefined && key === expected.name
        ? readExpectedString(reader, expected)
        : readScalar(reader, tag);
    if (value === NOT_SCALAR || reader.position !== valueEnd) return rewind(reader, start, end);
    reader.end = outer;
    into.push(key, value);
    return true;
  } catch {
    return rewind(reader, start, end);
  }
}

/** What `readScalar` answers for a tag that is not a scalar AnyValue field. */
const NOT_SCALAR = Symbol('not a scalar');

/**
 * The scalar AnyValue field of `tag` (its whole tag, so its wire type too: string_value,
 * double_value, int_value, bool_value), read; NOT_SCALAR, reading nothing, for any other tag.
 */
function readScalar(reader: ProtobufReader, tag: number): AnyValue | typeof NOT_SCALAR {
  switch (tag) {
    case 0x0a:
      return reader.string();
    case 0x21:
      return reader.double();
    case 0x18:
      return reader.varint64();
    case 0x10:
      return reader.bool();
    default:
      return NOT_SCALAR;
  }
}

function rewind(reader: ProtobufReader, start: number, end: number): false {
  reader.position = start;
  reader.end = end;
  return false;
}

/** Decodes the AnyValue the reader is narrowed to (it reads up to `reader.end`). */
export function decodeAnyValue(reader: ProtobufReader, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH)
    throw new OtlpDecodeError(`value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  let value: AnyValue = undefined;
  while (!reader.done) {
    const tag = reader.tag();
    const scalar = readScalar(reader, tag);
    if (scalar !== NOT_SCALAR) {
      value = scalar;
      continue;
    }
    const wire = tag & 7;
    switch (tag >>> 3) {
      // A scalar field with another wire type than its own.
      case 1:
        reader.expect(wire, WIRE_LENGTH, 'string_value');
        break;
      case 2:
        reader.expect(wire, WIRE_VARINT, 'bool_value');
        break;
      case 3:
        reader.expect(wire, WIRE_VARINT, 'int_value');
        break;
      case 4:
        reader.expect(wire, WIRE_FIXED64, 'double_value');
        break;
      case 5: {
        reader.expect(wire, WIRE_LENGTH, 'array_value');
        const array: AnyValue[] = [];
        const arrayOuter = reader.enter();
        while (!reader.done) {
          const innerTag = reader.tag();
          if (innerTag >>> 3 === 1) {
            reader.expect(innerTag & 7, WIRE_LENGTH, 'values');
            const itemOuter = reader.enter();
            array.push(decodeAnyValue(reader, depth + 1));
            reader.leave(itemOuter);
          } else reader.skip(innerTag);
        }
        reader.leave(arrayOuter);
        value = array;
        break;
      }
      case 6: {
        reader.expect(wire, WIRE_LENGTH, 'kvlist_value');
        const map = AttributeList.take();
        const mapOuter = reader.enter();
        while (!reader.done) {
          const innerTag = reader.tag();
          if (innerTag >>> 3 === 1) {
            reader.expect(innerTag & 7, WIRE_LENGTH, 'values');
            decodeKeyValueField(reader, map, depth + 1);
          } else reader.skip(innerTag);
        }
        reader.leave(mapOuter);
        value = map.build();
        break;
      }
      case 7:
        reader.expect(wire, WIRE_LENGTH, 'bytes_value');
        value = reader.bytesField();
        break;
      default:
        reader.skip(tag);
    }
  }
  return value;
}
