/**
 * A small OData `$filter` evaluator: comparisons, `in` lists, `and`/`or`/`not`, `startswith`, and `any` lambdas,
 * which is what Graph supports on the resources the emulator serves.
 * @module
 */

import { badRequest } from './http.js';

type Token = { kind: 'word' | 'string' | 'punct'; value: string };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    if (ch === ' ') {
      i += 1;
    } else if (ch === "'") {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= input.length) throw badRequest('Invalid filter clause: unterminated string.');
        if (input[i] === "'" && input[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (input[i] === "'") {
          i += 1;
          break;
        } else {
          value += input[i];
          i += 1;
        }
      }
      tokens.push({ kind: 'string', value });
    } else if ('(),:'.includes(ch)) {
      tokens.push({ kind: 'punct', value: ch });
      i += 1;
    } else {
      let value = '';
      while (i < input.length && !" (),:'".includes(input[i] as string)) {
        value += input[i];
        i += 1;
      }
      // Date-times carry ':' (T10:00:00Z): keep them as one word.
      while (/^\d{4}-\d{2}-\d{2}T\d{2}$|^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) && input[i] === ':') {
        value += ':';
        i += 1;
        while (i < input.length && !" (),:'".includes(input[i] as string)) {
          value += input[i];
          i += 1;
        }
      }
      tokens.push({ kind: 'word', value });
    }
  }
  return tokens;
}

/** A compiled filter: a predicate over a JSON object. */
export type Predicate = (item: unknown, vars?: Readonly<Record<string, unknown>>) => boolean;

const OPS = new Set(['eq', 'ne', 'ge', 'gt', 'le', 'lt']);

function resolve(item: unknown, path: string, vars: Readonly<Record<string, unknown>>): unknown {
  const parts = path.split('/');
  let current: unknown = item;
  const head = parts[0] as string;
  if (head in vars) {
    current = vars[head];
    parts.shift();
  }
  for (const part of parts) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function literal(token: Token | undefined): unknown {
  if (!token) throw badRequest('Invalid filter clause: missing value.');
  if (token.kind === 'string') return token.value;
  if (token.value === 'true') return true;
  if (token.value === 'false') return false;
  if (token.value === 'null') return null;
  if (/^\d{4}-\d{2}-\d{2}T/.test(token.value)) {
    const ms = Date.parse(token.value);
    if (Number.isNaN(ms)) throw badRequest(`Invalid filter clause: bad date ${token.value}.`);
    return new Date(ms).toISOString();
  }
  if (/^-?\d+(\.\d+)?$/.test(token.value)) return Number(token.value);
  throw badRequest(`Invalid filter clause: unexpected '${token.value}'.`);
}

function normalise(value: unknown): unknown {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value))
    return new Date(value).toISOString();
  return typeof value === 'string' ? value.toLowerCase() : value;
}

function compare(op: string, left: unknown, right: unknown): boolean {
  const a = normalise(left);
  const b = normalise(right);
  if (op === 'eq') return a === b;
  if (op === 'ne') return a !== b;
  if (a === null || a === undefined || b === null) return false;
  const order = (a as string | number) < (b as string | number) ? -1 : a === b ? 0 : 1;
  return op === 'ge' ? order >= 0 : op === 'gt' ? order > 0 : op === 'le' ? order <= 0 : order < 0;
}

/** Compiles an OData filter; throws a Graph 400 on syntax Graph would refuse. */
export function compileFilter(input: string): Predicate {
  const tokens = tokenize(input);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const take = (): Token | undefined => tokens[pos++];
  const expect = (value: string): void => {
    const token = take();
    if (token?.value !== value) throw badRequest(`Invalid filter clause: expected '${value}'.`);
  };

  function primary(): Predicate {
    const token = take();
    if (!token) throw badRequest('Invalid filter clause: unexpected end.');
    if (token.value === '(' && token.kind === 'punct') {
      const inner = orExpr();
      expect(')');
      return inner;
    }
    if (token.value === 'not') {
      const inner = primary();
      return (item, vars) => !inner(item, vars);
    }
    if (token.value === 'startswith') {
      expect('(');
      const path = take()?.value ?? '';
      expect(',');
      const prefix = String(literal(take())).toLowerCase();
      expect(')');
      return (item, vars = {}) =>
        String(resolve(item, path, vars) ?? '')
          .toLowerCase()
          .startsWith(prefix);
    }
    if (token.kind === 'word' && token.value.endsWith('/any')) {
      const path = token.value.slice(0, -4);
      expect('(');
      const variable = take()?.value ?? '';
      expect(':');
      const inner = orExpr();
      expect(')');
      return (item, vars = {}) => {
        const list = resolve(item, path, vars);
        return Array.isArray(list) && list.some((element) => inner(item, { ...vars, [variable]: element }));
      };
    }
    const op = take()?.value ?? '';
    if (op === 'in') {
      const values = list();
      return (item, vars = {}) => {
        const actual = normalise(resolve(item, token.value, vars));
        return values.some((value) => normalise(value) === actual);
      };
    }
    if (!OPS.has(op)) throw badRequest(`Invalid filter clause: unsupported operator '${op}'.`);
    const right = literal(take());
    return (item, vars = {}) => compare(op, resolve(item, token.value, vars), right);
  }

  /** `('a', 'b')`: the values of an `in` clause. */
  function list(): unknown[] {
    expect('(');
    const values = [literal(take())];
    while (peek()?.value === ',') {
      take();
      values.push(literal(take()));
    }
    expect(')');
    return values;
  }

  function andExpr(): Predicate {
    let left = primary();
    while (peek()?.value === 'and') {
      take();
      const a = left;
      const b = primary();
      left = (item, vars) => a(item, vars) && b(item, vars);
    }
    return left;
  }

  function orExpr(): Predicate {
    let left = andExpr();
    while (peek()?.value === 'or') {
      take();
      const a = left;
      const b = andExpr();
      left = (item, vars) => a(item, vars) || b(item, vars);
    }
    return left;
  }

  const predicate = orExpr();
  if (pos !== tokens.length) throw badRequest('Invalid filter clause: trailing input.');
  return predicate;
}
