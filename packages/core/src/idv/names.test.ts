import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { familyNamesMatch, givenNamesMatch, nameTokens } from './names.js';

describe('name rules', () => {
  it('ignores case, folds diacritics and treats hyphens, dots and apostrophes as punctuation', () => {
    expect(nameTokens("  Zoë  O'Brien-Müller ", 'fold')).toEqual(['zoe', 'obrien', 'muller']);
    expect(nameTokens('Straße', 'fold')).toEqual(['strasse']);
    expect(nameTokens('Łukasz', 'fold')).toEqual(['lukasz']);
    expect(nameTokens('José', 'exact')).toEqual(['josé']);
    expect(familyNamesMatch('GARCIA LOPEZ', 'García-López', 'fold')).toBe(true);
    expect(familyNamesMatch('Garcia Lopez', 'García-López', 'exact')).toBe(false);
  });

  it('matches decomposed and composed forms alike, even with exact diacritics', () => {
    expect(familyNamesMatch('Mu\u0308ller', 'M\u00fcller', 'exact')).toBe(true);
  });

  it('ignores middle names only when told, and always needs the first given name', () => {
    expect(givenNamesMatch('Mary', 'Mary Ann Louise', 'fold', 'ignore')).toBe(true);
    expect(givenNamesMatch('Mary Ann', 'Mary Louise Ann', 'fold', 'ignore')).toBe(true);
    expect(givenNamesMatch('Ann', 'Mary Ann', 'fold', 'ignore')).toBe(false);
    expect(givenNamesMatch('Mary', 'Mary Ann', 'fold', 'match')).toBe(false);
    expect(givenNamesMatch('Mary Ann', 'mary-ann', 'fold', 'match')).toBe(true);
  });

  it('never matches a nickname or an empty name', () => {
    expect(givenNamesMatch('Jon', 'Jonathan', 'fold', 'ignore')).toBe(false);
    expect(givenNamesMatch('Jonathan', 'Jon', 'fold', 'ignore')).toBe(false);
    expect(givenNamesMatch('', 'Jon', 'fold', 'ignore')).toBe(false);
    expect(familyNamesMatch(' - ', ' ', 'fold')).toBe(false);
    expect(familyNamesMatch('Smith', 'Smith Jones', 'fold')).toBe(false);
  });

  const word = fc.stringMatching(/^[A-Za-zÀ-ÿ]{1,12}$/);

  it('is symmetric, case-blind and reflexive for any name (property)', () => {
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 4 }),
        fc.array(word, { minLength: 1, maxLength: 4 }),
        (a, b) => {
          const x = a.join(' ');
          const y = b.join(' ');
          expect(familyNamesMatch(x, x.toUpperCase(), 'fold')).toBe(nameTokens(x, 'fold').length > 0);
          expect(familyNamesMatch(x, y, 'fold')).toBe(familyNamesMatch(y, x, 'fold'));
          expect(givenNamesMatch(x, y, 'fold', 'ignore')).toBe(givenNamesMatch(y, x, 'fold', 'ignore'));
        },
      ),
    );
  });

  it('still matches when the document adds middle names, under ignore (property)', () => {
    fc.assert(
      fc.property(word, fc.array(word, { maxLength: 3 }), (first, middles) => {
        expect(givenNamesMatch(first, [first, ...middles].join(' '), 'fold', 'ignore')).toBe(true);
      }),
    );
  });
});
