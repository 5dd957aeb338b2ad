// The forms a setting's raw value may take: a YAML value (any JSON type) or an environment
// string. The connection settings here and the sidecar's own options read numbers and text
// through these, so both accept the same forms; each names the setting in its own messages.

/** A whole number given as a YAML number or as digits (the environment's form); NaN otherwise. */
export function wholeNumberSetting(value: unknown): number {
  if (typeof value === 'number') return value;
  return typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
}

/** A whole number above zero (a count, a duration in ms); undefined for anything else. */
export function positiveWholeNumberSetting(value: unknown): number | undefined {
  const number = wholeNumberSetting(value);
  return Number.isInteger(number) && number > 0 ? number : undefined;
}

/** A string's text without surrounding blanks; undefined for a blank string or another type. */
export function textSetting(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
