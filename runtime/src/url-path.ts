/**
 * `url(STRING)` and `path(STRING)` (LANGUAGE.md §8, §12).
 */

import { posix } from "node:path";
import { EvaluationError } from "./errors.js";

/** The parts of a URL that policies read (`url(s).scheme`, `.host`, `.port`, `.path`, `.query`). */
export interface UrlParts {
  /** The scheme without `:`, lower-case. */
  scheme: string;
  /** WHATWG `hostname`: lower-case, punycode, IPv6 in brackets, no port, no user info; `""` when none. */
  host: string;
  /** The explicit port, else the scheme's default (http 80, https 443, ws 80, wss 443, ftp 21), else null. */
  port: number | null;
  /** WHATWG `pathname`. */
  path: string;
  /** WHATWG `search` without its `?` (`""` when absent). */
  query: string;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, ws: 80, wss: 443, ftp: 21 };

/** Parses with WHATWG URL rules (Node's global `URL`); throws `EvaluationError` when unparsable. */
export function parseUrl(s: string): UrlParts {
  if (typeof s !== "string") throw new EvaluationError("url() needs a string");
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new EvaluationError(`not a valid URL: ${JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s)}`);
  }
  const scheme = url.protocol.endsWith(":") ? url.protocol.slice(0, -1) : url.protocol;
  const port = url.port !== "" ? Number(url.port) : (Object.hasOwn(DEFAULT_PORTS, scheme) ? DEFAULT_PORTS[scheme] : null);
  return {
    scheme,
    host: url.hostname,
    port,
    path: url.pathname,
    query: url.search.startsWith("?") ? url.search.slice(1) : url.search,
  };
}

/**
 * POSIX normalization: `.` segments dropped, `..` resolved against the previous segment, runs of
 * `/` collapsed, a trailing `/` dropped (except for `/` itself). `..` above the root of an absolute
 * path stays at the root; a relative path keeps its leading `..`. `\` is an ordinary character and
 * nothing is percent-decoded. `""` normalizes to `"."`.
 */
export function pathNormalize(p: string): string {
  if (typeof p !== "string") throw new EvaluationError("path() needs a string");
  const absolute = p.startsWith("/");
  const out: string[] = [];
  for (const segment of p.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
    } else out.push(segment);
  }
  const joined = out.join("/");
  if (absolute) return `/${joined}`;
  return joined === "" ? "." : joined;
}

/**
 * True when the normalized `p` is the normalized `dir` or inside it, comparing whole segments,
 * case-sensitively; a trailing `/` on `dir` is ignored. A relative path is never under an absolute
 * dir nor the reverse; a relative path that climbs above a relative dir (`../x` under `.`) is not under it.
 */
export function pathUnder(p: string, dir: string): boolean {
  const path = pathNormalize(p);
  const base = pathNormalize(dir);
  if (path.startsWith("/") !== base.startsWith("/")) return false;
  const pathSegments = segments(path);
  const baseSegments = segments(base);
  if (baseSegments.length > pathSegments.length) return false;
  for (let i = 0; i < baseSegments.length; i++) if (pathSegments[i] !== baseSegments[i]) return false;
  // INVARIANT: after normalization `..` appears only as leading segments.
  return leadingParents(pathSegments) === leadingParents(baseSegments);
}

/** The last segment of the normalized path: `""` for `/`, `"."` for `""` and `.`. */
export function pathName(p: string): string {
  const path = pathNormalize(p);
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Like Node's `path.posix.extname` of `pathName(p)`: `".ts"`; `""` for `.env` and for no extension. */
export function pathExt(p: string): string {
  return posix.extname(pathName(p));
}

function segments(normalized: string): string[] {
  return normalized.split("/").filter((s) => s !== "" && s !== ".");
}

function leadingParents(segs: readonly string[]): number {
  let n = 0;
  while (n < segs.length && segs[n] === "..") n++;
  return n;
}
