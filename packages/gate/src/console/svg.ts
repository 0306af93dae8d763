/**
 * Server-rendered charts: a grouped horizontal bar chart in SVG, with a title and description for screen
 * readers and every value written as text beside its bar. No script and no inline style (the pages' CSP
 * allows neither): colours come from classes in the gate's stylesheet.
 * @module
 */

import { html, type SafeHtml } from '../pages/html.js';
import type { Figure } from './stats.js';

const WIDTH = 600;
const LABEL_W = 150;
const BAR_H = 14;
const GAP = 10;
const VALUE_W = 56;

/** A label that fits the label column (the full text is in each bar's title and in the table). */
function short(label: string): string {
  return label.length > 22 ? `${label.slice(0, 21)}…` : label;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** The chart of `figure` as an SVG element (trusted HTML: every text is escaped). */
export function barChart(figure: Figure): SafeHtml {
  const series = figure.series;
  const max = Math.max(1, ...figure.rows.flatMap((r) => r.values));
  const group = series.length * BAR_H + GAP;
  const legend = 26;
  const height = legend + Math.max(1, figure.rows.length) * group + 6;
  const plot = WIDTH - LABEL_W - VALUE_W;
  const titleId = `chart-${figure.id}-title`;
  const descId = `chart-${figure.id}-desc`;
  const legendItems = series.map(
    (s, i) =>
      html`<g class="legend"><rect class="s${i}" x="${LABEL_W + i * 100}" y="4" width="12" height="12" rx="2"/><text x="${LABEL_W + i * 100 + 18}" y="14">${s}</text></g>`,
  );
  const bars = figure.rows.map((row, r) => {
    const y0 = legend + r * group;
    const label = html`<text class="label" x="${LABEL_W - 8}" y="${y0 + (series.length * BAR_H) / 2 + 4}" text-anchor="end">${short(row.label)}</text>`;
    const rects = row.values.map((v, i) => {
      const w = v <= 0 ? 0 : Math.max(2, Math.round((v / max) * plot));
      const y = y0 + i * BAR_H;
      return html`<rect class="s${i}" x="${LABEL_W}" y="${y + 1}" width="${w}" height="${BAR_H - 2}" rx="2"><title>${`${row.label}, ${series[i] ?? ''}: ${fmt(v)} ${figure.unit}`}</title></rect><text class="value" x="${LABEL_W + w + 6}" y="${y + BAR_H - 3}">${fmt(v)}</text>`;
    });
    return html`<g class="row">${label}${rects}</g>`;
  });
  const empty =
    figure.rows.length === 0
      ? html`<text class="label" x="${LABEL_W}" y="${legend + 14}">No data in this period</text>`
      : '';
  return html`<svg class="chart" role="img" aria-labelledby="${titleId} ${descId}" viewBox="0 0 ${WIDTH} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title id="${titleId}">${figure.title}</title><desc id="${descId}">${describe(figure)}</desc>${legendItems}${bars}${empty}</svg>`;
}

/** The figure in words (the SVG's description). */
export function describe(figure: Figure): string {
  if (figure.rows.length === 0) return `${figure.description} No data in this period.`;
  const rows = figure.rows.map(
    (r) => `${r.label}: ${r.values.map((v, i) => `${figure.series[i] ?? ''} ${fmt(v)}`).join(', ')}`,
  );
  return `${figure.description} Unit: ${figure.unit}. ${rows.join('; ')}.`;
}
