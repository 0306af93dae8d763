/**
 * The security console's part of the stylesheet: navigation, summary tiles, filters and chart colours
 * (the charts carry classes, never inline styles, as the CSP allows only the gate's own stylesheet).
 * @module
 */

/** Appended to the pages' stylesheet. */
export const CONSOLE_STYLES = `
main.wrap:has(.console-nav){max-width:78rem}
.console-nav ul{list-style:none;display:flex;gap:.25rem;margin:0 0 1.5rem;padding:0;border-bottom:1px solid var(--line)}
.console-nav a{display:block;padding:.55rem 1rem;text-decoration:none;color:var(--muted);font-weight:600;border-bottom:3px solid transparent;margin-bottom:-1px}
.console-nav a:hover{color:var(--ink)}
.console-nav a.current{color:var(--ink);border-bottom-color:var(--brand)}
.page-head{display:flex;align-items:center;justify-content:space-between;gap:1rem;flex-wrap:wrap}
.tabs{display:flex;gap:1rem}.tabs a.current{font-weight:700;color:var(--ink)}
.tiles{list-style:none;display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.75rem;margin:0 0 1.25rem;padding:0}
.tile a{display:flex;flex-direction:column;gap:.2rem;padding:1rem 1.1rem;border-radius:.6rem;background:var(--card);border:1px solid var(--line);border-left:5px solid var(--line);text-decoration:none;color:var(--ink)}
.tile-n{font-size:1.9rem;font-weight:700;line-height:1}.tile-l{font-size:.85rem;color:var(--muted);font-weight:600}
.tile-ok a{border-left-color:var(--ok)}.tile-wait a{border-left-color:#d97706}.tile-bad a{border-left-color:var(--bad)}.tile-info a{border-left-color:var(--brand)}
.tile-bad .tile-n{color:var(--bad)}
.filters{display:flex;flex-wrap:wrap;gap:.75rem 1rem;align-items:flex-end}
.filter label{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.filter input,.filter select{font:inherit;padding:.4rem .5rem;border:1px solid #8a94a6;border-radius:.4rem;background:#fff;color:var(--ink);min-width:8rem}
.filter input[type=text]{max-width:12rem}
.filter-go{display:flex;gap:.5rem}
td.empty{color:var(--muted);font-style:italic}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(34rem,1fr));gap:0 1.25rem}
.chart{display:block;max-width:100%;height:auto;font-family:inherit}
.chart text{font-size:13px;fill:#14213d}.chart .label{fill:#334155}.chart .value{font-weight:700}
.chart .s0{fill:#1d4ed8}.chart .s1{fill:#d97706}.chart .s2{fill:#0f766e}.chart .s3{fill:#7c3aed}
.figure-data{margin-top:.5rem;font-size:.9rem}.figure-data summary{cursor:pointer;color:var(--brand)}
select{font:inherit}
`;
