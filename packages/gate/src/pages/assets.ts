/**
 * The pages' stylesheet, served locally at `/assets/gate.css` (no external assets, no inline styles).
 * @module
 */

import { CONSOLE_STYLES } from '../console/styles.js';

/** The path the layout links to. */
export const STYLESHEET_PATH = '/assets/gate.css';

/** The stylesheet: system fonts, high contrast (WCAG AA), visible focus, a calm product look. */
export const STYLESHEET = `
:root{--ink:#14213d;--muted:#4a5568;--line:#d9dee7;--bg:#f4f6fa;--card:#fff;--brand:#1d4ed8;--brand-ink:#fff;
--ok:#166534;--ok-bg:#dcfce7;--wait:#854d0e;--wait-bg:#fef3c7;--bad:#991b1b;--bad-bg:#fee2e2;--info:#1e40af;--info-bg:#dbeafe}
*{box-sizing:border-box}
html{font-size:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg);line-height:1.5}
.wrap{max-width:60rem;margin:0 auto;padding:0 1.25rem}
.skip{position:absolute;left:-999px;top:0;background:var(--ink);color:#fff;padding:.5rem 1rem}
.skip:focus{left:1rem;z-index:10}
.top{background:var(--ink);color:#fff}
.top-row{display:flex;align-items:center;justify-content:space-between;min-height:3.5rem;gap:1rem}
.brand{margin:0;font-weight:700;font-size:1.1rem;display:flex;align-items:center;gap:.6rem}
.mark{display:inline-grid;place-items:center;width:2rem;height:2rem;border-radius:.5rem;background:var(--brand);font-size:.8rem;letter-spacing:.05em}
.who{margin:0;font-size:.9rem;color:#e2e8f0}
main.wrap{padding-top:2rem;padding-bottom:3rem;outline:none}
h1{font-size:1.6rem;margin:0 0 .5rem}
h2{font-size:1.15rem;margin:0 0 .75rem}
p.lead{color:var(--muted);margin-top:0}
.card{background:var(--card);border:1px solid var(--line);border-radius:.75rem;padding:1.5rem;margin:0 0 1.25rem;box-shadow:0 1px 2px rgba(20,33,61,.06)}
.card.narrow{max-width:36rem;margin-left:auto;margin-right:auto}
.card-ok{border-top:4px solid var(--ok)}.card-bad{border-top:4px solid var(--bad)}.card-wait{border-top:4px solid var(--wait)}.card-info{border-top:4px solid var(--brand)}
.status-head{display:flex;align-items:center;justify-content:space-between;gap:1rem;flex-wrap:wrap}
.pill{display:inline-block;white-space:nowrap;border-radius:999px;padding:.15rem .7rem;font-size:.85rem;font-weight:600}
.pill-ok{background:var(--ok-bg);color:var(--ok)}.pill-wait{background:var(--wait-bg);color:var(--wait)}
.pill-bad{background:var(--bad-bg);color:var(--bad)}.pill-info{background:var(--info-bg);color:var(--info)}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:.75rem 1.5rem;margin:0}
.facts div{border-bottom:1px solid var(--line);padding-bottom:.5rem}
.facts dt{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.facts dd{margin:.1rem 0 0;font-weight:500;overflow-wrap:anywhere}
.notice{border-radius:.5rem;padding:.75rem 1rem;margin:0 0 1rem}
.notice p{margin:0}
.notice-ok{background:var(--ok-bg);color:var(--ok)}.notice-wait{background:var(--wait-bg);color:var(--wait)}
.notice-bad{background:var(--bad-bg);color:var(--bad)}.notice-info{background:var(--info-bg);color:var(--info)}
.steps{list-style:none;padding:0;margin:0}
.steps li{display:flex;justify-content:space-between;gap:1rem;align-items:center;padding:.6rem 0;border-bottom:1px solid var(--line)}
.steps li:last-child{border-bottom:0}
form{margin:0}
.field{margin:0 0 1rem}
label,legend{display:block;font-weight:600;margin:0 0 .3rem}
fieldset{border:0;padding:0;margin:0 0 1rem}
.choice{display:flex;gap:.5rem;align-items:center;font-weight:500}
input[type=text],textarea{width:100%;max-width:28rem;font:inherit;padding:.55rem .7rem;border:1px solid #8a94a6;border-radius:.4rem;background:#fff;color:var(--ink)}
textarea{max-width:100%;min-height:5rem}
.hint{color:var(--muted);font-size:.9rem;margin:.2rem 0 0}
.number-match{font-size:3rem;font-weight:700;letter-spacing:.1em;margin:.3rem 0}
.btn{display:inline-block;font:inherit;font-weight:600;border:0;border-radius:.45rem;padding:.6rem 1.2rem;background:var(--brand);color:var(--brand-ink);text-decoration:none;cursor:pointer}
.btn-danger{background:var(--bad)}.btn-quiet{background:#e2e8f0;color:var(--ink)}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1rem}
a{color:var(--brand)}
a:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible,.btn:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.codes{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:1.15rem;letter-spacing:.06em;columns:2;column-gap:2rem;background:#0f172a;color:#f8fafc;padding:1rem 1rem 1rem 2.5rem;border-radius:.5rem;user-select:all}
.codes li{margin:0 0 .4rem;break-inside:avoid}
.secret{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:1.6rem;letter-spacing:.08em;background:#0f172a;color:#f8fafc;padding:1rem 1.25rem;border-radius:.5rem;display:inline-block;user-select:all}
table{width:100%;border-collapse:collapse;font-size:.95rem}
th,td{text-align:left;padding:.55rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
.timeline td{overflow-wrap:anywhere}
.timeline{table-layout:fixed}.timeline th:nth-child(1){width:9.5rem}.timeline th:nth-child(2){width:11rem}.timeline th:nth-child(3){width:10rem}
.timeline td:nth-child(4){font-size:.78rem;color:var(--muted)}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
.foot{color:var(--muted);font-size:.85rem;border-top:1px solid var(--line);background:#fff}
.foot p{margin:0;padding:1rem 0}
@media (prefers-reduced-motion:reduce){*{transition:none!important}}
`.concat(CONSOLE_STYLES);
