/**
 * The SCIM-style `filter` expressions of Okta's list APIs (System Log, users, groups):
 * `eq ne gt ge lt le sw ew co pr`, `and`, `or`, `not`, parentheses. Attribute names are case-sensitive;
 * a path through an array (e.g. `target.id`) matches when any element matches.
 * @see https://developer.okta.com/docs/reference/core-okta-api/#filter
 * @module
 */

/** A compiled filter. */
export type Predicate = (value: unknown) => boolean;

type Token =
  | { readonly kind: 'word'; readonly text: string }
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'paren'; readonly text: '(' | ')' };

const OPERATORS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sw', 'ew', 'co']);

/** Thrown for an expression Okta would refuse with 400. */
export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError';
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ kind: 'paren', text: ch });
      i++;
    } else if (ch === '"') {
      let text = '';
      i++;
      while (i < input.length && input[i] !== '"') {
        if (input[i] === '\\' && i + 1 < input.length) i++;
        text += input[i];
        i++;
      }
      if (input[i] !== '"') throw new FilterSyntaxError('unterminated string');
      i++;
      tokens.push({ kind: 'string', text });
    } else if (ch === '[' || ch === ']') {
      throw new FilterSyntaxError('the [ ] operator is not supported');
    } else {
      let text = '';
      while (i < input.length && !/[\s()"]/.test(input[i] as string)) text += input[i++];
      tokens.push({ kind: 'word', text });
    }
  }
  return tokens;
}

/** Every leaf value at a dotted path, flattening arrays on the way. */
export function valuesAt(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  for (const key of path.split('.')) {
    const next: unknown[] = [];
    for (const value of current) {
      const items = Array.isArray(value) ? value : [value];
      for (const item of items) {
        if (item !== null && typeof item === 'object' && key in item) {
          next.push((item as Record<string, unknown>)[key]);
        }
      }
    }
    current = next;
  }
  return current.flatMap((value) => (Array.isArray(value) ? value : [value]));
}

function compare(op: string, actual: unknown, expected: unknown): boolean {
  if (op === 'eq') return actual === expected;
  if (op === 'ne') return actual !== expected;
  if (typeof actual !== 'string' && typeof actual !== 'number') return false;
  if (op === 'sw') return String(actual).startsWith(String(expected));
  if (op === 'ew') return String(actual).endsWith(String(expected));
  if (op === 'co') return String(actual).includes(String(expected));
  const a = actual as string | number;
  const b = expected as string | number;
  if (op === 'gt') return a > b;
  if (op === 'ge') return a >= b;
  if (op === 'lt') return a < b;
  return a <= b;
}

function literal(token: Token | undefined): unknown {
  if (token === undefined) throw new FilterSyntaxError('missing value');
  if (token.kind === 'string') return token.text;
  if (token.kind === 'word') {
    if (token.text === 'true') return true;
    if (token.text === 'false') return false;
    if (token.text === 'null') return null;
    const n = Number(token.text);
    if (Number.isFinite(n)) return n;
  }
  throw new FilterSyntaxError(`invalid value ${token.text}`);
}

/** Compiles a filter expression. @throws FilterSyntaxError */
export function compileFilter(expression: string): Predicate {
  const tokens = tokenize(expression);
  let pos = 0;
  const peekWord = (): string | undefined => {
    const token = tokens[pos];
    return token?.kind === 'word' ? token.text.toLowerCase() : undefined;
  };

  function parseOr(): Predicate {
    let left = parseAnd();
    while (peekWord() === 'or') {
      pos++;
      const l = left;
      const r = parseAnd();
      left = (v) => l(v) || r(v);
    }
    return left;
  }
  function parseAnd(): Predicate {
    let left = parseUnary();
    while (peekWord() === 'and') {
      pos++;
      const l = left;
      const r = parseUnary();
      left = (v) => l(v) && r(v);
    }
    return left;
  }
  function parseUnary(): Predicate {
    const token = tokens[pos];
    if (token === undefined) throw new FilterSyntaxError('unexpected end of filter');
    if (token.kind === 'word' && token.text.toLowerCase() === 'not') {
      pos++;
      const inner = parseUnary();
      return (v) => !inner(v);
    }
    if (token.kind === 'paren' && token.text === '(') {
      pos++;
      const inner = parseOr();
      const close = tokens[pos++];
      if (close?.kind !== 'paren' || close.text !== ')') throw new FilterSyntaxError('missing )');
      return inner;
    }
    if (token.kind !== 'word') throw new FilterSyntaxError('expected an attribute name');
    pos++;
    const op = tokens[pos++];
    if (op?.kind !== 'word') throw new FilterSyntaxError('expected an operator');
    const opName = op.text.toLowerCase();
    if (opName === 'pr') {
      return (v) => valuesAt(v, token.text).some((x) => x !== null && x !== undefined);
    }
    if (!OPERATORS.has(opName)) throw new FilterSyntaxError(`unknown operator ${op.text}`);
    const expected = literal(tokens[pos++]);
    if (opName === 'ne') return (v) => !valuesAt(v, token.text).some((x) => x === expected);
    return (v) => valuesAt(v, token.text).some((x) => compare(opName, x, expected));
  }

  if (tokens.length === 0) throw new FilterSyntaxError('empty filter');
  const predicate = parseOr();
  if (pos !== tokens.length) throw new FilterSyntaxError('unexpected trailing tokens');
  return predicate;
}
