/**
 * Small schema pieces shared by the policy schema: durations and names.
 * @module
 */

import * as z from 'zod';
import { DURATION_PATTERN } from '../duration.js';

/** A duration such as `15m`, `30d` or `1h30m` (units ms, s, m, h, d, w). */
export const durationSchema = z
  .string()
  .regex(DURATION_PATTERN, { error: 'expected a duration such as 10m, 4h, 30d or 1h30m' })
  .describe('A duration: digits followed by ms, s, m, h, d or w, e.g. 10m, 4h, 30d, 1h30m.');

/** The pattern of subject class and tier names. */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** A subject class or tier name. */
export const nameSchema = z
  .string()
  .regex(NAME_PATTERN, { error: 'expected a name: a letter, then letters, digits, _ or - (at most 64)' })
  .describe('A name: a letter, then letters, digits, _ or -.');
