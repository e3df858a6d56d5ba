// Hand-drawn inline SVG charts: bars (requests with errors inside) and a line (p50 latency).
import { fmtMs, h, s } from "./ui.js";

const W = 560, H = 180, L = 50, R = 8, T = 10, B = 24;
const PW = W - L - R, PH = H - T - B;

/** 1, 2, 4, 6, 8 × 10^k at or above n: the axis and its midpoint read in round numbers. */
function niceMax(n) {
  if (n <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 4, 6, 8, 10].map((m) => m * p).find((v) => v >= n);
}

/** Every bucket of the range, with the API's points in place and empty ones at zero. */
export function fillSeries(series, from, to, interval) {
  const step = interval === "day" ? 86_400_000 : interval === "hour" ? 3_600_000 : 60_000;
  const byT = new Map(series.map((p) => [Date.parse(p.t), p]));
  const out = [];
  for (let t = Math.floor(Date.parse(from) / step) * step; t <= Date.parse(to); t += step) {
    const p = byT.get(t);
    out.push({ t, requests: p?.requests ?? 0, errors: p?.errors ?? 0, p50Ms: p ? p.p50Ms : null });
  }
  return out;
}

function label(t, interval, spanMs) {
  const d = new Date(t);
  const hm = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return spanMs > 86_400_000 + 3_600_000 ? `${d.toLocaleDateString([], { weekday: "short", day: "numeric" })} ${hm}` : hm;
}

function frame(max, fmt, points, interval) {
  const span = points.length ? points.at(-1).t - points[0].t : 0;
  const grid = [0, max / 2, max].filter((v) => fmt(v) !== null).map((v) => {
    const y = T + PH - (v / max) * PH;
    return s("g", { class: "grid" }, s("line", { x1: L, x2: W - R, y1: y, y2: y }), s("text", { x: L - 6, y: y + 4, "text-anchor": "end" }, fmt(v)));
  });
  const idx = [...new Set([0, Math.floor((points.length - 1) / 2), points.length - 1])].filter((i) => i >= 0);
  const bw = PW / Math.max(points.length, 1);
  const xs = idx.map((i, n) =>
    s("text", { class: "axis", x: L + bw * (i + 0.5), y: H - 6, "text-anchor": n === 0 ? "start" : n === idx.length - 1 ? "end" : "middle" }, label(points[i].t, interval, span)));
  return [grid, xs];
}

const svg = (title, desc, ...children) =>
  s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": `${title}. ${desc}` }, ...children);

/** Requests per bucket as bars, the errors among them drawn inside each bar from the bottom. */
export function requestsChart(points, interval) {
  const total = points.reduce((n, p) => n + p.requests, 0);
  const errors = points.reduce((n, p) => n + p.errors, 0);
  const max = niceMax(Math.max(...points.map((p) => p.requests), 1));
  const bw = PW / Math.max(points.length, 1);
  const gap = bw > 6 ? bw * 0.22 : 0.5;
  const y = (v) => T + PH - (v / max) * PH;
  const bars = points.map((p, i) => {
    if (!p.requests) return null;
    const x = L + i * bw + gap / 2, w = Math.max(bw - gap, 1);
    const when = new Date(p.t).toLocaleString();
    return s("g", {},
      s("title", {}, `${when}: ${p.requests} request(s), ${p.errors} error(s)`),
      s("rect", { class: "bar", x, y: y(p.requests), width: w, height: T + PH - y(p.requests), rx: Math.min(2, w / 3) }),
      p.errors ? s("rect", { class: "bar err", x, y: y(p.errors), width: w, height: T + PH - y(p.errors), rx: Math.min(2, w / 3) }) : null);
  });
  return figure(
    `Requests per ${interval}`,
    svg(`Requests per ${interval}`, `${total} request(s), ${errors} error(s) in the range`, frame(max, (v) => (Number.isInteger(v) ? String(v) : null), points, interval), bars),
    [["bar", "requests"], ["bar err", "errors"]]);
}

/** Median latency per bucket as a line through the buckets that had requests. */
export function latencyChart(points, interval) {
  const with50 = points.map((p, i) => ({ ...p, i })).filter((p) => p.p50Ms != null);
  const max = niceMax(Math.max(...with50.map((p) => p.p50Ms), 1));
  const bw = PW / Math.max(points.length, 1);
  const x = (i) => L + bw * (i + 0.5), y = (v) => T + PH - (v / max) * PH;
  const path = with50.map((p, n) => `${n ? "L" : "M"}${x(p.i).toFixed(1)},${y(p.p50Ms).toFixed(1)}`).join(" ");
  return figure(
    `p50 latency per ${interval}`,
    svg(`Median latency per ${interval}`, with50.length ? `from ${fmtMs(Math.min(...with50.map((p) => p.p50Ms)))} to ${fmtMs(Math.max(...with50.map((p) => p.p50Ms)))}` : "no requests",
      frame(max, (v) => fmtMs(v), points, interval),
      with50.length > 1 ? s("path", { class: "line", d: path }) : null,
      with50.map((p) => s("circle", { class: "dot", cx: x(p.i), cy: y(p.p50Ms), r: with50.length > 60 ? 1.5 : 3 }, s("title", {}, `${new Date(p.t).toLocaleString()}: p50 ${fmtMs(p.p50Ms)}`)))),
    [["line", "p50"]]);
}

const figure = (title, chart, legend) =>
  h("figure", { class: "chart-box" },
    h("figcaption", {}, h("span", {}, title), h("span", { class: "legend" }, legend.map(([cls, text]) => h("span", {}, h("i", { class: `sw ${cls}` }), text)))),
    chart);
