/** Reads V8 `.cpuprofile` files (from `node --cpu-prof`): where the self time went. */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Frame {
  key: string;
  selfMs: number;
  share: number;
}

/** Self time per key (`keyOf` a frame), largest first. */
export function selfTimes(file: string, keyOf: (frame: ProfileNode["callFrame"]) => string): Frame[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    const key = keyOf(node.callFrame);
    totals.set(key, (totals.get(key) ?? 0) + us);
    all += us;
  });
  return [...totals]
    .map(([key, us]) => ({ key, selfMs: us / 1000, share: all ? us / all : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs);
}

/** `function (file:line)` with the file relative to the repository, or the package it belongs to. */
export function frameName(root: string) {
  return (f: ProfileNode["callFrame"]) => {
    const file = f.url.replace(/^file:\/\//, "").replace(root, "");
    return `${f.functionName || "(anonymous)"} ${file ? `(${file}:${f.lineNumber + 1})` : ""}`.trim();
  };
}

export function packageName(root: string) {
  return (f: ProfileNode["callFrame"]) => {
    const file = f.url.replace(/^file:\/\//, "");
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
    if (pkg) return pkg;
    if (file.startsWith(root)) return file.replace(root, "").split("/").slice(0, 2).join("/");
    return f.url ? "node internals" : f.functionName || "(vm)";
  };
}
