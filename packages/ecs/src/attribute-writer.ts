// Span attributes written as JSON text by a plan made once per shape. Spans of one instrumentation
// carry the same attribute names, in the same order, with values of the same kinds; the generic
// path (`mapAttributes` into nested objects, then `JSON.stringify`) decides the same routes and
// builds the same objects for each of them. A plan records the text between the values once —
// keys, braces, the resource's and the scope's labels — so a span costs one serialisation per
// value. The text is the generic path's, byte for byte (tested); a shape seen for the first times,
// or one the plan does not cover, takes the generic path.
import { setOwnMember, type AnyValue, type Attributes } from '@elkhound/otlp';
import { toFlattened, toJsonValue } from './content';
import { flat } from './document';
import { MAX_LABEL_LENGTH, routeOf, setSegments, type AttributeRoute, type Fields } from './fields';

const FIELD = 0;
const CONTENT = 1;
const LABEL_STRING = 2;
const LABEL_NUMBER = 3;
const LABEL_BOOLEAN = 4;
/** A null or undefined value: no member, as in `mapAttributes`. */
const ABSENT = 5;
/** A label whose value is an array or a map: left to the generic path. */
const UNPLANNED = -1;

/** Shapes seen fewer times than this take the generic path: one-off shapes plan nothing. */
const PLAN_AFTER = 3;
/** Bound on all plans' nodes together: attribute names are client input. */
const MAX_NODES = 8192;
const MAX_ROOTS = 256;

interface Plan {
  /** Text before each value, and after the last one. */
  readonly pieces: readonly string[];
  /** For each value written: its attribute's position in the span's attributes. */
  readonly slots: readonly number[];
  readonly kinds: readonly number[];
  /**
   * The last value written at each slot and its text: a provider, a model, an operation or a
   * route repeats from span to span, and is then not serialised again.
   */
  readonly lastValues: AnyValue[];
  readonly lastTexts: string[];
  /** Slots whose value has differed from one span to the next (sticky). */
  readonly varies: boolean[];
  /** Spans written since the plan was made. */
  written: number;
  /**
   * The text to write: at first every slot is a hole; after FOLD_AFTER spans the steady slots'
   * texts are folded into the pieces and only the varying ones stay holes.
   */
  folded: FoldedPlan;
}

interface FoldedPlan {
  readonly pieces: readonly string[];
  /** Plan slot of each hole. */
  readonly holes: readonly number[];
  /** Plan slot and the value folded into the text, for each steady slot: checked per span. */
  readonly steady: readonly number[];
  readonly steadyValues: readonly AnyValue[];
}

/** Spans of a shape watched before its steady values are folded into its text. */
const FOLD_AFTER = 8;

interface ShapeNode {
  readonly name: string;
  readonly kind: number;
  readonly route: AttributeRoute | undefined;
  children: ShapeNode[] | undefined;
  hits: number;
  /** null: this shape cannot have a plan. */
  plan: Plan | null | undefined;
}

let nodes = 0;
const roots = new Map<string, ShapeNode>();

function kindOf(value: AnyValue, route: AttributeRoute): number {
  if (value === undefined || value === null || route.kind === 'consumed') return ABSENT;
  if (route.kind === 'field') return FIELD;
  if (route.kind === 'content') return CONTENT;
  switch (typeof value) {
    case 'string':
      return LABEL_STRING;
    case 'number':
      return LABEL_NUMBER;
    case 'boolean':
      return LABEL_BOOLEAN;
    default:
      return UNPLANNED;
  }
}

function newNode(name: string, kind: number, route: AttributeRoute | undefined): ShapeNode {
  nodes++;
  return { name, kind, route, children: undefined, hits: 0, plan: undefined };
}

function childOf(node: ShapeNode, name: string, value: AnyValue): ShapeNode | undefined {
  const children = node.children;
  if (children !== undefined) {
    for (let index = 0; index < children.length; index++) {
      const child = children[index] as ShapeNode;
      if (child.name === name && child.kind === kindOf(value, child.route as AttributeRoute))
        return child;
    }
  }
  if (nodes >= MAX_NODES) return undefined;
  const route = routeOf(name);
  const kind = kindOf(value, route);
  if (kind === UNPLANNED) return undefined;
  const child = newNode(name, kind, route);
  (node.children ??= []).push(child);
  return child;
}

/** A value's place in the document while a plan is made. */
class Slot {
  constructor(
    readonly index: number,
    readonly kind: number,
  ) {}
}

const isSlot = (child: unknown): boolean => child instanceof Slot;

/**
 * The plan of one shape: the generic path's document, built with slots in place of the values,
 * serialised into the text around them.
 */
function makePlan(
  names: readonly string[],
  kinds: readonly number[],
  routes: readonly AttributeRoute[],
  labels: Fields | undefined,
  numericLabels: Fields | undefined,
  scope: Readonly<Fields>,
): Plan | undefined {
  const document: Fields = {};
  if (labels) document.labels = { ...labels };
  if (numericLabels) document.numeric_labels = { ...numericLabels };
  for (let index = 0; index < names.length; index++) {
    const kind = kinds[index] as number;
    if (kind === ABSENT) continue;
    const route = routes[index] as AttributeRoute;
    const slot = new Slot(index, kind);
    if (kind === FIELD || kind === CONTENT) {
      // A path through another attribute's value: the generic path would write into that value
      // or drop it, depending on the value — no plan for such a shape.
      if (!setSegments(document, route.segments, slot, isSlot)) return undefined;
    } else {
      const field = kind === LABEL_NUMBER ? 'numeric_labels' : 'labels';
      const target = (document[field] ??= {}) as Fields;
      setOwnMember(target, route.labelName, slot);
    }
  }
  // finishDocument: the scope's labels join the document's labels, or follow its members.
  let trailer = '';
  const scopeNames = Object.keys(scope);
  if (scopeNames.length > 0) {
    const own = document.labels as Fields | undefined;
    if (own === undefined) trailer = `,"labels":${JSON.stringify(scope)}`;
    else
      for (const name of scopeNames)
        if (!Object.hasOwn(own, name)) setOwnMember(own, name, scope[name]);
  }
  const pieces: string[] = [];
  const slots: number[] = [];
  const slotKinds: number[] = [];
  let text = '';
  const write = (node: Fields): void => {
    let first = true;
    for (const key in node) {
      text += `${first ? '' : ','}${JSON.stringify(key)}:`;
      first = false;
      const value = node[key];
      if (value instanceof Slot) {
        pieces.push(text);
        slots.push(value.index);
        slotKinds.push(value.kind);
        text = '';
      } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        text += '{';
        write(value as Fields);
        text += '}';
      } else text += JSON.stringify(value);
    }
  };
  // Members follow the encoder's fixed members: each starts with a comma.
  for (const key in document) {
    const one: Fields = { [key]: document[key] };
    text += ',';
    write(one);
  }
  text += trailer;
  pieces.push(text);
  return {
    pieces,
    slots,
    kinds: slotKinds,
    lastValues: new Array<AnyValue>(slots.length).fill(undefined),
    lastTexts: new Array<string>(slots.length).fill(''),
    varies: new Array<boolean>(slots.length).fill(false),
    written: 0,
    folded: { pieces, holes: slots.map((_, slot) => slot), steady: [], steadyValues: [] },
  };
}

function writeValue(value: AnyValue, kind: number): string {
  switch (kind) {
    case FIELD:
      if (typeof value === 'number') return numberText(value);
      return JSON.stringify(typeof value === 'object' ? toJsonValue(value) : value);
    case CONTENT:
      return JSON.stringify(toFlattened(value));
    case LABEL_STRING:
      return JSON.stringify(
        (value as string).length > MAX_LABEL_LENGTH
          ? (value as string).slice(0, MAX_LABEL_LENGTH)
          : value,
      );
    case LABEL_NUMBER:
      return numberText(value as number);
    default:
      return value ? 'true' : 'false';
  }
}

/** A number as JSON.stringify writes it: non-finite ones become null. */
function numberText(value: number): string {
  return Number.isFinite(value) ? `${value}` : 'null';
}

/** What one shape's plans depend on besides the attributes: the resource's and the scope's labels. */
export interface PlanContext {
  readonly key: string;
  readonly labels: Fields | undefined;
  readonly numericLabels: Fields | undefined;
  readonly scope: Readonly<Fields>;
}

// Scratch, reused: a span's names, values, kinds and routes while its shape is found.
const scratchNames: string[] = [];
const scratchValues: AnyValue[] = [];

/**
 * The document members (each after a comma) that the generic path makes of `attributes`, the
 * resource's labels and the scope's labels; undefined when no plan covers them yet.
 */
export function writePlannedAttributes(
  attributes: Attributes,
  context: PlanContext,
): string | undefined {
  if (nodes >= MAX_NODES || roots.size >= MAX_ROOTS) {
    // Full (many resources or shapes): start again, so that the shapes in use now get plans.
    roots.clear();
    nodes = 0;
  }
  let node = roots.get(context.key);
  if (node === undefined) {
    node = newNode('', ABSENT, undefined);
    roots.set(context.key, node);
  }
  let count = 0;
  for (const name in attributes) {
    const value = attributes[name];
    const next = childOf(node, name, value);
    if (next === undefined) return undefined;
    node = next;
    scratchNames[count] = name;
    scratchValues[count] = value;
    count++;
  }
  let plan = node.plan;
  if (plan === undefined) {
    if (++node.hits < PLAN_AFTER) return undefined;
    plan = planFor(node, context, count);
  }
  if (plan === null) return undefined;
  return write(plan);
}

/**
 * The plan's text with this span's values in its holes. A steady value that changed makes its
 * slot vary, and the plan is folded again with it as a hole.
 */
function write(plan: Plan): string {
  const slots = plan.slots;
  let folded = plan.folded;
  for (let index = 0; index < folded.steady.length; index++) {
    const slot = folded.steady[index] as number;
    const value = scratchValues[slots[slot] as number];
    // Steady values are never objects (fold leaves those as holes): identity is equality here.
    if (value !== folded.steadyValues[index]) {
      // Folded again without it; the check starts over on the new fold's steady slots.
      plan.varies[slot] = true;
      folded = plan.folded = fold(plan);
      index = -1;
    }
  }
  const pieces = folded.pieces;
  const holes = folded.holes;
  const kinds = plan.kinds;
  const lastValues = plan.lastValues;
  const lastTexts = plan.lastTexts;
  const first = plan.written === 0;
  let text = pieces[0] as string;
  for (let index = 0; index < holes.length; index++) {
    const slot = holes[index] as number;
    const value = scratchValues[slots[slot] as number];
    let valueText: string;
    // Strings compare by identity first (the decoder interns short ones); objects never repeat.
    if (value === lastValues[slot] && typeof value !== 'object') {
      valueText = lastTexts[slot] as string;
    } else {
      if (!first) plan.varies[slot] = true;
      valueText = writeValue(value, kinds[slot] as number);
      lastValues[slot] = value;
      lastTexts[slot] = valueText;
    }
    text += valueText + (pieces[index + 1] as string);
  }
  if (++plan.written === FOLD_AFTER) plan.folded = fold(plan);
  return text;
}

/** The plan's text with the steady slots' last texts folded in, each piece one flat string. */
function fold(plan: Plan): FoldedPlan {
  const pieces: string[] = [];
  const holes: number[] = [];
  const steady: number[] = [];
  const steadyValues: AnyValue[] = [];
  let piece = plan.pieces[0] as string;
  for (let slot = 0; slot < plan.slots.length; slot++) {
    const value = plan.lastValues[slot];
    if (plan.varies[slot] || typeof value === 'object') {
      pieces.push(flat(piece));
      holes.push(slot);
      piece = plan.pieces[slot + 1] as string;
    } else {
      steady.push(slot);
      steadyValues.push(value);
      piece += (plan.lastTexts[slot] as string) + (plan.pieces[slot + 1] as string);
    }
  }
  pieces.push(flat(piece));
  return { pieces, holes, steady, steadyValues };
}

/** Walks the path to `leaf` again, from the span just read, to make its plan. */
function planFor(leaf: ShapeNode, context: PlanContext, count: number): Plan | null {
  const names = scratchNames.slice(0, count);
  const kinds: number[] = [];
  const routes: AttributeRoute[] = [];
  for (let index = 0; index < count; index++) {
    const name = names[index] as string;
    const route = routeOf(name);
    routes.push(route);
    kinds.push(kindOf(scratchValues[index], route));
  }
  const plan =
    makePlan(names, kinds, routes, context.labels, context.numericLabels, context.scope) ?? null;
  leaf.plan = plan;
  return plan;
}
