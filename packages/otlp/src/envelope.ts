// The envelope every OTLP export request shares, whatever the signal:
//   Export<Signal>ServiceRequest { repeated Resource<Signal> resource_<signal> = 1; }
//   Resource<Signal> { Resource resource = 1; repeated Scope<Signal> scope_<signal> = 2; string schema_url = 3; }
//   Scope<Signal>    { InstrumentationScope scope = 1; repeated <Item> <items> = 2; string schema_url = 3; }
// decoded once here; each signal only says its field names and how to read one item.
import { decodeResource, decodeScope } from './decode-common';
import { OtlpDecodeError, within, type Rejections } from './errors';
import type { InstrumentationScope, Resource } from './model';
import { ProtobufReader, WIRE_LENGTH } from './protobuf-reader';

/** Field names of one signal, on the wire (for error paths) and in the model. */
export interface EnvelopeNames<ResourceKey extends string, ItemKey extends string> {
  /** `resource_spans` */
  resourceField: string;
  /** `scope_spans` */
  scopeField: string;
  /** `spans` */
  itemField: string;
  /** `scopeSpans` */
  scopeKey: ResourceKey;
  /** `spans` */
  itemKey: ItemKey;
}

type ScopeGroup<ItemKey extends string, Item> = {
  scope: InstrumentationScope;
  schemaUrl?: string;
} & Record<ItemKey, Item[]>;
type ResourceGroup<ResourceKey extends string, ItemKey extends string, Item> = {
  resource: Resource;
  schemaUrl?: string;
} & Record<ResourceKey, ScopeGroup<ItemKey, Item>[]>;

export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodeExportRequest<ResourceKey extends string, ItemKey extends string, Item>(
  bytes: Uint8Array,
  names: EnvelopeNames<ResourceKey, ItemKey>,
  decodeItem: (reader: ProtobufReader) => Item,
  rejections?: Rejections,
): ResourceGroup<ResourceKey, ItemKey, Item>[] {
  const reader = new ProtobufReader(toBuffer(bytes));
  const out: ResourceGroup<ResourceKey, ItemKey, Item>[] = [];
  while (!reader.done) {
    const tag = reader.tag();
    if (tag >>> 3 === 1) {
      reader.expect(tag & 7, WIRE_LENGTH, names.resourceField);
      try {
        out.push(decodeResourceGroup(reader.sub(), names, decodeItem, rejections, out.length));
      } catch (error) {
        throw within(error, `${names.resourceField}[${out.length}]`);
      }
    } else reader.skip(tag);
  }
  return out;
}

function decodeResourceGroup<ResourceKey extends string, ItemKey extends string, Item>(
  reader: ProtobufReader,
  names: EnvelopeNames<ResourceKey, ItemKey>,
  decodeItem: (reader: ProtobufReader) => Item,
  rejections: Rejections | undefined,
  resourceIndex: number,
): ResourceGroup<ResourceKey, ItemKey, Item> {
  const scopes: ScopeGroup<ItemKey, Item>[] = [];
  const out = { resource: { attributes: {} }, [names.scopeKey]: scopes } as ResourceGroup<
    ResourceKey,
    ItemKey,
    Item
  >;
  while (!reader.done) {
    const tag = reader.tag();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        reader.expect(wire, WIRE_LENGTH, 'resource');
        out.resource = decodeResource(reader.sub());
        break;
      case 2:
        reader.expect(wire, WIRE_LENGTH, names.scopeField);
        try {
          scopes.push(
            decodeScopeGroup(
              reader.sub(),
              names,
              decodeItem,
              rejections,
              resourceIndex,
              scopes.length,
            ),
          );
        } catch (error) {
          throw within(error, `${names.scopeField}[${scopes.length}]`);
        }
        break;
      case 3:
        reader.expect(wire, WIRE_LENGTH, 'schema_url');
        out.schemaUrl = reader.string();
        break;
      default:
        reader.skip(tag);
    }
  }
  return out;
}

function decodeScopeGroup<ItemKey extends string, Item>(
  reader: ProtobufReader,
  names: EnvelopeNames<string, ItemKey>,
  decodeItem: (reader: ProtobufReader) => Item,
  rejections: Rejections | undefined,
  resourceIndex: number,
  scopeIndex: number,
): ScopeGroup<ItemKey, Item> {
  const items: Item[] = [];
  let index = 0;
  const out = { scope: { name: '' }, [names.itemKey]: items } as ScopeGroup<ItemKey, Item>;
  while (!reader.done) {
    const tag = reader.tag();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        reader.expect(wire, WIRE_LENGTH, 'scope');
        out.scope = decodeScope(reader.sub());
        break;
      case 2:
        reader.expect(wire, WIRE_LENGTH, names.itemField);
        try {
          items.push(decodeItem(reader.sub()));
        } catch (error) {
          if (!rejections || !(error instanceof OtlpDecodeError))
            throw within(error, `${names.itemField}[${index}]`);
          // The item was read to its end (it is length-delimited): the rest of the request holds.
          rejections.reject(
            error.within(
              `${names.resourceField}[${resourceIndex}].${names.scopeField}[${scopeIndex}].${names.itemField}[${index}]`,
            ),
          );
        }
        index++;
        break;
      case 3:
        reader.expect(wire, WIRE_LENGTH, 'schema_url');
        out.schemaUrl = reader.string();
        break;
      default:
        reader.skip(tag);
    }
  }
  return out;
}
