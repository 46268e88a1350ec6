/**
 * The chrome every page shares (report, sweep): the document shell, the style sheet, the tooltip.
 * One self-contained file per page: inline CSS, inline SVG, inline script; nothing is fetched.
 */
import { PAGE_SCRIPT } from './script.ts';
import { escapeHtml as esc } from './text.ts';

export function pageShell(title: string, body: string, script = true): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
<div id="tip" hidden></div>
${script ? `<script>${PAGE_SCRIPT}</script>` : ''}
</body>
</html>
`;
}

const CSS = `
:root { --fg:#1f2933; --dim:#616e7c; --line:#d3d9e0; --red:#d62728; --blue:#1565c0; }
* { box-sizing: border-box; }
body { margin: 0; padding: 12px 20px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: #fff; }
h1 { font-size: 20px; margin: 0; font-weight: 600; display: inline; }
h2 { font-size: 16px; margin: 22px 0 6px; font-weight: 600; border-bottom: 1px solid var(--line); padding-bottom: 3px; }
code, pre, kbd { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
pre { background: #f5f7fa; padding: 8px 10px; overflow: auto; max-height: 420px; border-radius: 4px; }
.dim { color: var(--dim); } .bad { color: var(--red); } .ok { color: #2e7d32; }
.topline { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 14px; margin-bottom: 8px; }
.bug { font-size: 13px; background: #fdecea; color: #a61b1b; border-radius: 10px; padding: 1px 9px; }
.facts-line { color: var(--dim); font-size: 12.5px; }
.warning { background: #fff8e1; border: 1px solid #f0c36d; padding: 6px 10px; border-radius: 4px; margin: 6px 0; }
.main { display: grid; grid-template-columns: minmax(330px, 410px) minmax(0, 1fr); gap: 14px; align-items: start; }
.story { border-left: 5px solid var(--red); background: #fff7f7; padding: 8px 12px; border-radius: 0 4px 4px 0; max-height: calc(100vh - 70px); overflow: hidden; position: sticky; top: 6px; display: flex; flex-direction: column; }
.story > * { flex: 0 0 auto; } .story > ol.story-steps { flex: 0 1 auto; min-height: 110px; overflow-y: auto; } .story > details.path { flex: 0 1 auto; min-height: 60px; overflow-y: auto; }
.story-head { font-size: 14px; }
.v-kind { text-transform: uppercase; font-size: 10.5px; letter-spacing: .06em; color: #fff; background: var(--red); padding: 1px 6px; border-radius: 3px; margin-right: 3px; }
.story.passed { border-left-color: #2e7d32; background: #f4faf4; } .v-kind.ok-kind { background: #2e7d32; } ol.story-steps.run-facts li { cursor: default; border-top-color: #dcebdc; } ol.story-steps.run-facts li:hover { background: none; }
.invariant { font-size: 15px; }
.desc { color: #4a5663; }
.v-msg { font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; margin: 4px 0 2px; font-size: 12.5px; }
.v-when { font-size: 12.5px; color: var(--dim); }
.story-lead { margin: 8px 0 4px; font-size: 12.5px; color: var(--dim); }
ol.story-steps { list-style: none; padding: 0; margin: 0; }
ol.story-steps li { padding: 4px 4px 4px 0; border-top: 1px solid #f0dede; font-size: 13px; cursor: pointer; }
ol.story-steps li:hover { background: #fdeeee; }
ol.story-steps li.violating { background: #fde3e3; }
.num { display: inline-block; min-width: 19px; height: 19px; border-radius: 10px; background: var(--blue); color: #fff; font-size: 11px; text-align: center; line-height: 19px; margin-right: 5px; }
li.violating .num, li.culprit .num { background: var(--red); }
.when { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11.5px; color: var(--dim); }
.via { font-size: 11.5px; color: #4a5663; margin: 1px 0 0 24px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
ol.story-steps li.open .via, ol.story-steps li.violating .via { white-space: normal; }
.culprit-text { font-size: 12px; color: #a61b1b; margin-left: 24px; }
.more { font-size: 12.5px; color: #8a5a00; }
details.path { margin-top: 8px; font-size: 12.5px; } details.path li { cursor: pointer; } details.path li:hover { background: #eef3fb; }
.toolbar { display: flex; flex-wrap: wrap; gap: 5px; align-items: center; margin: 0 0 5px; font-size: 12.5px; }
.toolbar button, .toolbar summary { font: inherit; font-size: 12.5px; padding: 1px 8px; border: 1px solid var(--line); background: #f8f9fb; border-radius: 4px; cursor: pointer; }
.toolbar button.on { background: #dde8f7; border-color: #9bb6dc; }
.toolbar .sep { width: 8px; }
.node-menu { position: relative; }
.node-menu .menu { position: absolute; z-index: 5; background: #fff; border: 1px solid var(--line); padding: 6px 8px; border-radius: 4px; box-shadow: 0 2px 8px rgba(0,0,0,.15); columns: 2; min-width: 180px; }
.node-menu label { display: block; white-space: nowrap; }
#zoom-level, .filter-note { color: var(--dim); }
.view[hidden] { display: none; }
.diagram-row { display: flex; border: 1px solid var(--line); border-radius: 4px; }
.lane-labels { flex: none; background: #fafbfc; border-right: 1px solid var(--line); }
.scroller { overflow-x: auto; overflow-y: hidden; flex: 1; }
.node-label { font: 600 13px ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; fill: var(--fg); }
.node-label.involved { fill: var(--red); }
.node-role { font-size: 9.5px; fill: var(--dim); }
.row-name { font-size: 9px; fill: #7b8794; }
.diagram text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.lane-bg { fill: #f7f9fb; }
.lane-line { stroke: #9aa5b1; stroke-width: 1; }
.grid { stroke: #e6eaee; stroke-width: 1; }
.tick.major .grid { stroke: #dfe4e9; }
.axis-label { font-size: 10px; fill: var(--dim); text-anchor: middle; }
.tick.minor .axis-label { display: none; }
.diagram.show-minor .tick.minor .axis-label { display: inline; }
.block-partition .block-head { fill: rgba(230,126,34,0.25); } .block-oneway .block-head { fill: rgba(142,68,173,0.22); }
.block-label { font-size: 10px; fill: #5d4200; }
.side-tag { font-size: 9px; font-weight: 700; fill: #7d5a2a; }
.band-label { font-size: 8.5px; fill: #1f2933; pointer-events: none; }
.crash rect { fill: #e74c3c; opacity: 0.85; } .crash-label { font-size: 10px; font-weight: 700; fill: #b03a2e; }
.pause rect { fill: url(#hatch); opacity: 0.9; }
.msg .hit { stroke: transparent; stroke-width: 8; }
.msg .vis { stroke: #3a4a5c; stroke-width: 1; opacity: 0.6; }
.msg.dup .vis { stroke: #d9730d; stroke-dasharray: 4 2; opacity: 0.95; }
.msg.drop .vis { stroke: #c0392b; opacity: 0.8; } .msg.drop .cross { stroke: #c0392b; stroke-width: 2; fill: none; }
.msg.inflight .vis { stroke: #7f8c8d; stroke-dasharray: 2 3; opacity: 0.5; }
.msg.undelivered .vis { stroke: #7f8c8d; stroke-dasharray: 3 2; opacity: 0.8; } .msg .dots { font-size: 13px; fill: #7f8c8d; }
.msg.dim .vis { opacity: 0.13; } .msg.dim .cross { opacity: 0.3; }
.msg.chain .vis { stroke: var(--blue); stroke-width: 2.2; opacity: 1; }
.msg:hover .vis { stroke-width: 2.8; opacity: 1; }
.msg-label { font-size: 9.5px; fill: #2c3e50; paint-order: stroke; stroke: #fff; stroke-width: 3px; display: none; pointer-events: none; }
.msg-label.always { display: inline; fill: var(--blue); font-weight: 600; font-size: 10px; }
.diagram.show-labels .msg-label { display: inline; }
.timer line { stroke: #7b8794; stroke-width: 1.4; }
.observe circle { fill: #2b7bb9; stroke: #fff; stroke-width: 0.8; }
.persist rect { fill: #2e7d32; }
.command path { fill: #16a085; stroke: #0b6b58; } .cmd-label { font-size: 10px; font-weight: 600; fill: #0b6b58; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.reply path { fill: #8e44ad; }
.note circle { fill: #95a5a6; }
.clock circle { fill: #fff; stroke: #8e44ad; stroke-width: 1.2; } .clock path { stroke: #8e44ad; stroke-width: 1; }
.forge path { fill: #8e0000; } .lost-command path { stroke: #c0392b; stroke-width: 1.6; }
.dupmark text { font-size: 9px; font-weight: 700; fill: #d9730d; text-anchor: middle; }
.netmark path { fill: #2980b9; }
.story-mark circle { fill: var(--blue); stroke: #fff; stroke-width: 1.5; } .story-mark text { font-size: 10px; font-weight: 700; fill: #fff; text-anchor: middle; }
.story-mark.violating circle, .story-mark.culprit circle { fill: var(--red); }
.story-mark.flash circle { stroke: #ffd400; stroke-width: 4; }
.culprit-ring circle { fill: none; stroke: var(--red); stroke-width: 2; }
.violation line { stroke: var(--red); stroke-width: 2; }
.violation-label { font-size: 11.5px; font-weight: 700; fill: var(--red); paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.quiet-break { fill: #eef1f4; } .quiet-break-label { font-size: 9px; fill: var(--dim); text-anchor: middle; }
.legend { display: flex; flex-wrap: wrap; gap: 2px 14px; margin: 6px 0 0; font-size: 12px; }
.legend-item { display: inline-flex; align-items: center; gap: 4px; }
.note { color: #8a5a00; margin: 3px 0; font-size: 12.5px; }
.overview-wrap, .timeline-wrap { border: 1px solid var(--line); border-radius: 4px; padding: 4px 6px; overflow-x: auto; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.ov-label { font: 600 10px ui-monospace, Menlo, Consolas, monospace; fill: var(--dim); }
.ov-lane { stroke: #e1e5ea; } .ov-tick { stroke: #eef1f4; } .ov-axis { font-size: 10px; fill: var(--dim); text-anchor: middle; }
.ov-crash { fill: #e74c3c; } .ov-pause { fill: #9e9e9e; } .ov-send { fill: #b8c2cc; } .ov-drop { fill: #e74c3c; }
.ov-window { fill: rgba(41,128,185,0.06); stroke: #2980b9; stroke-width: 1.2; }
.ov-culprit { stroke: var(--red); stroke-width: 1.5; } .ov-story { fill: var(--blue); }
.ov-violation line { stroke: var(--red); stroke-width: 2; } .ov-violation text { font-size: 11px; font-weight: 700; fill: var(--red); }
.ov-heal line { stroke: #27ae60; stroke-dasharray: 4 3; } .ov-heal text { font-size: 10px; fill: #27ae60; }
.op rect { stroke-width: 1; } .op.ok rect { fill: #b3f3b5; stroke: #4caf50; } .op.fail rect { fill: #f2b0b0; stroke: #c0392b; } .op.info rect { fill: #ffffb7; stroke: #c9a400; } .op.pending rect { fill: #eceff1; stroke: #90a4ae; stroke-dasharray: 3 2; }
.op.key rect { stroke: #1f2933; stroke-width: 1.6; } .op.failing rect { stroke: var(--red); stroke-width: 2.6; }
.op text { font-size: 9.5px; fill: #1f2933; pointer-events: none; }
.fault-shade { opacity: 0.5; } .fault-label { font-size: 9px; fill: #7a2a20; }
table.lin { border-collapse: collapse; font-size: 12.5px; margin: 6px 0; } table.lin td, table.lin th { border: 1px solid #e1e5ea; padding: 2px 8px; text-align: left; }
table.lin tr.failing td { color: var(--red); } table.lin tr.stuck td { background: #fdecea; color: #a61b1b; }
table.sweep { border-collapse: collapse; font-size: 13px; margin: 6px 0; } table.sweep td, table.sweep th { border: 1px solid #e1e5ea; padding: 2px 8px; text-align: left; } table.sweep td.n { text-align: right; font-variant-numeric: tabular-nums; }
.bar { display: inline-block; height: 10px; background: #9bb6dc; vertical-align: middle; }
.kpis { display: flex; flex-wrap: wrap; gap: 8px 26px; margin: 6px 0 10px; } .kpi b { font-size: 22px; display: block; } .kpi { color: var(--dim); font-size: 12.5px; }
details { margin: 6px 0; } summary { cursor: pointer; font-weight: 600; }
ol.faults { columns: 3 280px; margin: 6px 0; padding-left: 28px; font-size: 12.5px; }
ol.faults li.in-window { font-weight: 700; } ol.faults li.after { color: #a0a8b2; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 6px 0 0; font-size: 13px; } dl.facts dt { color: var(--dim); } dl.facts dd { margin: 0; }
code.cmd { background: #f0f2f5; padding: 1px 6px; border-radius: 3px; }
#tip { position: fixed; z-index: 20; max-width: min(680px, 90vw); max-height: 70vh; overflow: auto; background: #1f2933; color: #fff; font: 12px/1.4 ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; padding: 7px 10px; border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; pointer-events: none; box-shadow: 0 2px 10px rgba(0,0,0,.3); }
#tip.pinned { pointer-events: auto; border: 2px solid #ffd400; }
/* The sweep page */
.verdict { padding: 8px 14px; border-radius: 4px; margin: 6px 0 10px; font-size: 15px; } .verdict p { margin: 3px 0; }
.bad-box { background: #fff7f7; border-left: 5px solid var(--red); } .ok-box { background: #f3faf3; border-left: 5px solid #2e7d32; }
.sweep-table { border-collapse: collapse; font-size: 13px; } .sweep-table td, .sweep-table th { border-bottom: 1px solid var(--line); padding: 4px 10px 4px 0; text-align: left; vertical-align: top; }
.sweep-table td.r { text-align: right; font-variant-numeric: tabular-nums; } .sweep-table .example { margin-top: 2px; } .sweep-table tr.missing td { background: #fff0f0; }
.bar { display: inline-block; width: 120px; height: 9px; background: #edf0f3; border-radius: 2px; vertical-align: middle; } .bar span { display: block; height: 100%; background: #2b7bb9; border-radius: 2px; }
.squares { display: flex; flex-wrap: wrap; gap: 2px; max-width: 1200px; } .sq { width: 11px; height: 11px; border-radius: 2px; display: inline-block; }
.sq.pass { background: #8fd19e; } .sq.fail { background: var(--red); } a.sq:hover { outline: 2px solid var(--fg); }
.two { display: flex; flex-wrap: wrap; gap: 10px 40px; } h3 { font-size: 14px; margin: 8px 0 4px; font-weight: 600; }
`;
