// Attribute names are client input, and objects built from them are plain objects: `object[name]
// = value` with the name `__proto__` calls Object.prototype's setter, which sets the object's
// prototype (or, for a string or a number, does nothing) instead of adding a member, so the value
// is lost. Every store of a client-chosen name goes through here.

/** Adds `name: value` to `object` as an ordinary own, enumerable member, whatever the name. */
export function setOwnMember(object: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__')
    Object.defineProperty(object, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else object[name] = value;
}

/** `object[name]` when it is the object's own member (not Object.prototype's, nor its prototype). */
export function ownMember(object: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(object, name) ? object[name] : undefined;
}
