/**
 * Name comparison for binding a verified identity to the IdP's record, with explicit rules instead of
 * fuzzy matching: case never matters; diacritics fold unless the tier says `exact`; hyphens, apostrophes,
 * dots and repeated spaces are separators; middle names on the document may be ignored. Nicknames never
 * match ("Jon" is not "Jonathan"): point `legalGivenNameAttribute` at the legal name instead.
 * @module
 */

/** How diacritics compare: `fold` (José = Jose, Müller = Muller) or `exact`. */
export type DiacriticsRule = 'fold' | 'exact';
/** How middle names compare: `ignore` extra given names on either side, or `match` all of them. */
export type MiddleNameRule = 'ignore' | 'match';

/** Letters that Unicode does not decompose but people write without their mark. */
const FOLD_EXTRA: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ł: 'l',
  ı: 'i',
};

/** The tokens of a name: lower case, NFC (or folded), split on spaces, hyphens, dots and commas; apostrophes dropped. */
export function nameTokens(name: string, diacritics: DiacriticsRule): string[] {
  let text = name.normalize('NFKC').toLowerCase();
  if (diacritics === 'fold') {
    text = text
      .normalize('NFD')
      .replace(/\p{M}+/gu, '')
      .replace(/[ßæœøđðþłı]/g, (ch) => FOLD_EXTRA[ch] ?? ch)
      .normalize('NFC');
  }
  return text
    .replace(/['’‘`ʼ]/g, '')
    .split(/[\s\-‐‑–—.,]+/u)
    .filter((token) => token.length > 0);
}

/** True when two family names are the same under the rules (every token, in order). */
export function familyNamesMatch(record: string, verified: string, diacritics: DiacriticsRule): boolean {
  const a = nameTokens(record, diacritics);
  const b = nameTokens(verified, diacritics);
  return a.length > 0 && a.length === b.length && a.every((token, i) => token === b[i]);
}

/**
 * True when the given names match: with `match`, every token in order; with `ignore`, the first given
 * name is the same and every name on the shorter side appears on the longer one (so "Mary" matches
 * "Mary Ann Louise", and "Mary Ann" matches "Mary Louise Ann", but "Ann" never matches "Mary Ann").
 */
export function givenNamesMatch(
  record: string,
  verified: string,
  diacritics: DiacriticsRule,
  middle: MiddleNameRule,
): boolean {
  const a = nameTokens(record, diacritics);
  const b = nameTokens(verified, diacritics);
  if (a.length === 0 || b.length === 0) return false;
  if (middle === 'match') return a.length === b.length && a.every((token, i) => token === b[i]);
  if (a[0] !== b[0]) return false;
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  return shorter.every((token) => longer.includes(token));
}
