/**
 * The requirement search: can the counting pieces fill a requirement tree, each piece and each person
 * used once, with pairwise distinct channels inside independent clauses?
 * @module
 */

import type { PieceKind, ReqNode } from './compile.js';
import type { Piece } from './pieces.js';

/** The most search steps one check may take; past it the check fails closed. */
export const SEARCH_BUDGET = 50_000;

interface State {
  readonly byKind: ReadonlyMap<PieceKind, readonly number[]>;
  readonly pieces: readonly Piece[];
  readonly used: boolean[];
  readonly persons: Set<string>;
  readonly scopes: Set<string>[];
  steps: number;
}

type Next = () => boolean;

function takeLeaf(kind: PieceKind, st: State, k: Next): boolean {
  for (const index of st.byKind.get(kind) ?? []) {
    st.steps += 1;
    if (st.steps > SEARCH_BUDGET) return false;
    const piece = st.pieces[index] as Piece;
    if (st.used[index] === true) continue;
    if (piece.person !== null && st.persons.has(piece.person)) continue;
    if (st.scopes.some((scope) => scope.has(piece.channel))) continue;
    st.used[index] = true;
    if (piece.person !== null) st.persons.add(piece.person);
    for (const scope of st.scopes) scope.add(piece.channel);
    if (k()) return true;
    st.used[index] = false;
    if (piece.person !== null) st.persons.delete(piece.person);
    for (const scope of st.scopes) scope.delete(piece.channel);
  }
  return false;
}

function allFrom(children: readonly ReqNode[], i: number, st: State, k: Next): boolean {
  const child = children[i];
  if (child === undefined) return k();
  return sat(child, st, () => allFrom(children, i + 1, st, k));
}

function leastFrom(children: readonly ReqNode[], start: number, need: number, st: State, k: Next): boolean {
  if (need === 0) return k();
  for (let i = start; i <= children.length - need; i += 1) {
    const child = children[i] as ReqNode;
    if (sat(child, st, () => leastFrom(children, i + 1, need - 1, st, k))) return true;
    if (st.steps > SEARCH_BUDGET) return false;
  }
  return false;
}

function inner(node: ReqNode, st: State, k: Next): boolean {
  switch (node.t) {
    case 'leaf':
      return takeLeaf(node.kind, st, k);
    case 'all':
      return allFrom(node.children, 0, st, k);
    case 'any':
      return node.children.some((child) => sat(child, st, k));
    case 'least':
      return leastFrom(node.children, 0, node.n, st, k);
  }
}

function sat(node: ReqNode, st: State, k: Next): boolean {
  if (node.t === 'leaf' || !node.indep) return inner(node, st, k);
  const scope = new Set<string>();
  st.scopes.push(scope);
  // The scope closes when this clause is done: the continuation runs without it, then it is restored.
  const result = inner(node, st, () => {
    st.scopes.pop();
    const done = k();
    st.scopes.push(scope);
    return done;
  });
  st.scopes.pop();
  return result;
}

/** A final check on the pieces one way of satisfying the tree uses (true: that way counts). */
export type Accept = (used: readonly Piece[]) => boolean;

/**
 * True when `pieces` satisfy `node`; pieces later than `until` (ms) are left out; `accept`, when given,
 * must approve the pieces a way of satisfying it uses, or the search tries another way.
 */
export function satisfies(
  node: ReqNode,
  pieces: readonly Piece[],
  until = Number.POSITIVE_INFINITY,
  accept?: Accept,
): boolean {
  const byKind = new Map<PieceKind, number[]>();
  pieces.forEach((piece, index) => {
    if (piece.at > until) return;
    const list = byKind.get(piece.kind);
    if (list === undefined) byKind.set(piece.kind, [index]);
    else list.push(index);
  });
  const st: State = { byKind, pieces, used: [], persons: new Set(), scopes: [], steps: 0 };
  if (accept === undefined) return sat(node, st, () => true);
  return sat(node, st, () => accept(pieces.filter((_, index) => st.used[index] === true)));
}

/**
 * The earliest time by which `pieces` satisfy `node`: the arrival of the last piece needed, choosing
 * the combination that completes first. Null when they never do; -Infinity when nothing is needed.
 */
export function satisfiedAt(node: ReqNode, pieces: readonly Piece[], accept?: Accept): number | null {
  if (!satisfies(node, pieces, Number.POSITIVE_INFINITY, accept)) return null;
  const times = [...new Set(pieces.map((piece) => piece.at))].sort((a, b) => a - b);
  if (times.length === 0) return Number.NEGATIVE_INFINITY;
  let low = 0;
  let high = times.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (satisfies(node, pieces, times[mid], accept)) high = mid;
    else low = mid + 1;
  }
  return times[low] ?? null;
}
