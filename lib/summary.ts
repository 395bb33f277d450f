/**
 * How messages stay short whatever they echo. A deploy's failure reason must fit in CloudFormation's 4,096-byte
 * response, and a person reads its start: a long list shows its first items and how many more there are, a long
 * value its start and its length. The handler logs the full error.
 */

/** How many items of a long list a message shows. */
export const LIST_ITEMS_SHOWN = 3;

/** How much of a text a message shows: all of it up to `wholeUpTo` characters; else the first `start`, "…" and the length. */
export interface ShownLength {
  readonly wholeUpTo: number;
  readonly start: number;
}

/**
 * A value the user gave: an identifier, a policy, a role ARN. One just over a limit (a 101-character identifier)
 * shows whole, so that the reader sees what is wrong with it; of a longer one, enough to recognise it.
 */
export const USER_VALUE: ShownLength = { wholeUpTo: 128, start: 32 };
/** An error message or detail from AWS or the SDK, whose start says most. */
export const SERVICE_TEXT: ShownLength = { wholeUpTo: 300, start: 300 };

/** `a, b, c and 97 more`: the first LIST_ITEMS_SHOWN items, and how many are left out. */
export function summarise(items: readonly string[], separator = ', '): string {
  if (items.length <= LIST_ITEMS_SHOWN) return items.join(separator);
  return `${items.slice(0, LIST_ITEMS_SHOWN).join(separator)} and ${items.length - LIST_ITEMS_SHOWN} more`;
}

/** `text`, or its start, "…" and its length in characters. */
export function shorten(text: string, length: ShownLength = USER_VALUE): string {
  return shortened(text, length, (start) => start);
}

/** A value as JSON (quoted, escaped) and shortened: for values of any type, as a template may hold them. */
export function quote(value: unknown): string {
  if (typeof value !== 'string') return shorten(JSON.stringify(value) ?? String(value));
  return shortened(value, USER_VALUE, (start) => JSON.stringify(start));
}

/** Counts characters, not UTF-16 units, so that it never splits one. */
function shortened(text: string, length: ShownLength, show: (start: string) => string): string {
  const chars = Array.from(text);
  if (chars.length <= length.wholeUpTo) return show(text);
  return `${show(chars.slice(0, length.start).join(''))}… (${chars.length} characters)`;
}
