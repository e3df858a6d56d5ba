/**
 * The admin console's static files for the local front: `GET /ui`, `/ui/` (the page) and
 * `/ui/<file>` from `console/`, as the cloud serves them from S3 behind the Router (../console.ts).
 * Everything under `/ui` is the console's: other methods answer 405, unknown files 404, and a path
 * that climbs out of the folder (`..`, encoded or not, or a backslash) 400, before any file is read.
 */
import { createReadStream, realpathSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, resolve, sep } from "node:path";

const PREFIX = "/ui";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
};

/** The same error shape as the admin API, so the console and curl users read one format. */
function fail(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "cache-control": "no-cache", ...headers });
  res.end(body);
}

/**
 * A `staticHandler` for `createFront`: serves `rootDir` under `/ui` and returns `true` when it
 * answered the request, `false` for any path outside `/ui` (left to the gateway's functions).
 */
export function consoleStaticHandler(rootDir: string): (req: IncomingMessage, res: ServerResponse) => boolean {
  const root = resolve(rootDir);
  return (req, res) => {
    const target = req.url ?? "/";
    const end = target.search(/[?#]/);
    const rawPath = end === -1 ? target : target.slice(0, end);
    if (rawPath !== PREFIX && !rawPath.startsWith(`${PREFIX}/`)) return false;

    if (req.method !== "GET" && req.method !== "HEAD") {
      fail(res, 405, "method_not_allowed", `The console is read-only: ${req.method} ${rawPath} is not allowed`, { allow: "GET, HEAD" });
      return true;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(rawPath.slice(PREFIX.length));
    } catch {
      fail(res, 400, "invalid_request", "The path is not valid percent-encoding");
      return true;
    }
    const segments = rel.split("/").filter(Boolean);
    if (rel.includes("\\") || rel.includes("\0") || segments.some((s) => s === "." || s === "..")) {
      fail(res, 400, "invalid_request", "The path must stay inside the console");
      return true;
    }
    if (segments.length === 0) segments.push("index.html");

    const file = resolve(root, ...segments);
    const stat = segments.some((s) => s.startsWith(".")) || !isInside(root, file) ? undefined : statOrUndefined(file);
    if (!stat?.isFile() || !isInside(realOf(root), realOf(file))) {
      fail(res, 404, "not_found", `No console file at ${rawPath}`);
      return true;
    }

    const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    const headers = {
      "content-type": CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
      etag,
    };
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    res.writeHead(200, { ...headers, "content-length": stat.size });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).on("error", () => res.destroy()).pipe(res);
    return true;
  };
}

const isInside = (root: string, path: string): boolean => path === root || path.startsWith(root + sep);

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Symlinks resolved, so a link inside the folder cannot lead out of it. */
function realOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
