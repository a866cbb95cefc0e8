/**
 * Manifests and policies for the differential tests: together they use every operator,
 * built-in, root and declaration of the language, optional and nullable fields read with
 * and without guards, inherited property names, and limits of every kind.
 */

const str = { type: "string" };
const num = { type: "number" };

export const T_MANIFEST: { readonly tools: readonly unknown[] } = {
  tools: [
    {
      name: "op",
      description: "Every shape of field.",
      inputSchema: {
        type: "object",
        properties: {
          s: str,
          n: num,
          i: { type: "integer" },
          b: { type: "boolean" },
          xs: { type: "array", items: str },
          ns: { type: "array", items: num },
          rec: {
            type: "object",
            properties: { a: str, b: { type: ["number", "null"] }, inner: { type: "object", properties: { c: str } } },
          },
          opt: str,
          nul: { anyOf: [str, { type: "null" }] },
          items: {
            type: "array",
            items: { type: "object", properties: { name: str, qty: { type: "integer" }, tags: { type: "array", items: str } }, required: ["name", "qty"] },
          },
          kind: { enum: ["a", "b", "c"] },
          url: str,
          path: str,
          meta: {},
          either: { type: ["string", "number"] },
          constructor: str,
          toString: { type: "integer" },
          "odd key": str,
        },
        required: ["s"],
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    {
      name: "write",
      description: "Writes with secrets.",
      inputSchema: {
        type: "object",
        properties: {
          path: str,
          content: str,
          size: { type: "integer", minimum: 0 },
          token: { type: "string", writeOnly: true },
          creds: { type: "object", properties: { user: str, password: { type: "string", format: "password" } } },
          list: { type: "array", items: { type: "object", properties: { secret: { type: "string", writeOnly: true }, keep: str } } },
        },
        required: ["path"],
      },
    },
    { name: "ping", description: "No arguments.", inputSchema: { type: "object", properties: {} } },
  ],
};

export const NET_MANIFEST: { readonly tools: readonly unknown[] } = {
  tools: [
    {
      name: "fetch",
      description: "Fetch a URL.",
      inputSchema: {
        type: "object",
        properties: {
          url: str,
          method: { enum: ["GET", "POST", "DELETE"] },
          headers: { type: "object", additionalProperties: str },
          retries: { type: "integer", minimum: 0, maximum: 10 },
        },
        required: ["url"],
      },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true, idempotentHint: true },
    },
    { name: "op", inputSchema: { type: "object", properties: { q: str } } },
    { name: "solo", inputSchema: { type: "object", properties: { q: str }, additionalProperties: false } },
  ],
};

export const MANIFESTS: Readonly<Record<string, unknown>> = { "t.json": T_MANIFEST, "net.json": NET_MANIFEST };

const HEADER = `tools t from "./t.json"
tools net from "./net.json"
`;

/** Strings: comparisons, methods, regexes, globs, `in`, `??`, `has`. */
export const STRINGS_POLICY = `policy strings version "1.0.0"
${HEADER}
context {
  user: { id: string, role: "viewer" | "editor" | "admin" }
  tenant: string
  ticket?: string
}

const admins = ["root", "alice", "Bob"]
const ticket_re = "^[A-Z]+-[0-9]+$"
const tmp_glob = "/tmp/**"

default deny

@id("strings-basic")
@team("sec")
allow t.op when args.s == "hello" or args.s != "bye" and args.s.startsWith("he")

deny t.op when args.s.lower() == "forbidden" or args.s.upper().endsWith("EVIL") because "bad word"
review t.op when args.s.contains("sudo") unless ctx.user.role == "admin" because "sudo needs review"
deny t.op when args.s.matches("^rm -rf") because "rm"
deny t.op when args has opt and args.opt.matches(ticket_re) == false and ctx has ticket because "bad ticket"
allow t.op when args.s.length >= 3 and args.s.length < 12
deny t.op when ctx.user.id in admins and not (args.kind == "a") because "admins use kind a"
allow t.op when args.kind in ["a", "b"] and (args.nul ?? "none") != "blocked"
deny t.op when args.path.glob(tmp_glob) or args.path.glob("*.env") or args.path.glob("/etc/?asswd") because "paths"
deny t.op when args.opt == "x" because "reads a missing optional: errs when absent"
review t.op when args.nul == null and args.opt != null because "null vs missing"
allow t.op when args.constructor == "c" or args.\`odd key\` == "k"
deny net.fetch when args has headers and args.method == "DELETE" because "no deletes with headers"
allow net.fetch, net.solo
`;

/** Numbers: arithmetic, money, comparisons, overflow, integers, unary minus. */
export const NUMBERS_POLICY = `policy numbers
${HEADER}
context { limit: number, level?: integer }

allow t.op when args.n + 1 > 2 and args.n - 3 < 100
review t.op when args.n * args.n * args.n * args.n > 1_000_000_000 because "huge"
deny t.op when -args.n > 5 because "negative"
deny t.op when args.i * $0.05 > $25 because "too expensive"
allow t.op when args.i >= ctx.limit and args.i <= ctx.limit * 2
deny t.op when args.rec.b > 3 because "rec.b errs when rec or b is absent or null"
allow t.op when (ctx.level ?? 0) < 3 and args.toString == 7
review t.write when args.size > 1_000_000 because "big write"
allow t.write when args.size == 0 or args.size >= 10
allow net.fetch when args.retries == null or args.retries <= 3
`;

/** Lists, lambdas, records, deep equality. */
export const LISTS_POLICY = `policy lists
${HEADER}
context { groups: [string], owner: { id: string, teams?: [string] } }

const pairs = [{ name: "a", qty: 1 }, { name: "b", qty: 2 }]

allow t.op when args.xs.contains("ok") or args.ns.contains(3)
deny t.op when args.xs.any(x => x == "bad" or x.startsWith("evil")) because "bad element"
review t.op when args.items.all(it => it.qty > 0 and it.tags.all(t => t != "")) because "all tagged"
allow t.op when args.items.any(it => it.name in ctx.groups and args.xs.any(x => x == it.name))
deny t.op when { name: "a", qty: 1 } in args.items because "exact record"
allow t.op when args.items == pairs or args.ns == [1, 2, 3]
allow t.op when args.rec == { a: "x" } or args.rec.inner == { c: "y" }
deny t.op when args.s in [args.opt, "fixed"] because "dynamic list with an optional element"
allow t.op when (ctx.owner.teams ?? []).contains("core") and ctx.groups.length > 1
allow t.op when args.meta == 1 or args.meta == [1] or args.meta.x == 2
deny t.op when args.either == 3 or args.either == "three" because "either"
`;

/** url() and path(). */
export const URLS_POLICY = `policy urls
${HEADER}
const hosts = ["example.com", "api.example.com"]

deny net.fetch when url(args.url).scheme != "https" because "https only"
allow net.fetch when url(args.url).host in hosts and url(args.url).port == 443
deny net.fetch when url(args.url).host.endsWith(".evil.io") because "evil"
review net.fetch when url(args.url).path.startsWith("/admin") or url(args.url).query.contains("token=") because "sensitive url"
allow t.write when path(args.path).under("/workspace") and path(args.path).ext != ".sh"
deny t.write when path(args.path).normalized.startsWith("/etc") or path(args.path).name == ".env" because "system files"
deny t.op when url(args.url).port == null because "no port"
allow t.op when path(args.path).under("tmp") or path(args.path).name == ""
`;

/** Roots, sessions, agents, inheritance, annotations, default allow, limits of every kind. */
export const AGENTS_POLICY = `policy agents version "2.0.0"
${HEADER}
context { user: { id: string, role: "viewer" | "admin" }, tenant: string }

label secret on t.write
label net on net.*
cost net.fetch = $0.25 per call
price model "m1" input $3 output $15 per 1M tokens

default allow

deny * when tool.destructive and ctx.user.role != "admin" because "destructive"
deny net.* when session.has(secret) because "no network after secrets"
review t.op when session.count(t.write) >= 2 or session.count(net.*) > 5 because "busy session"
deny * when ctx.user.id == "intruder" or agent.id == "intruder" because "intruder"

agent "base" {
  @id("base-allow") @owner("ops")
  allow t.op, t.ping
  deny t.write when args.path.startsWith("/") unless ctx.user.role == "admin" because "absolute paths are for admins"
  limit t.op to 10 calls per minute
  limit * to 100 calls per hour by ctx.user.id
  limit tokens to 50_000 per day
  limit cost to $10 per day by session.id
  limit repeats to 3
}

agent "child" extends "base" {
  @owner("dev")
  review t.op when session.id == "" because "anonymous session"
  allow net.fetch when tool.openWorld and tool.idempotent and tool.name == "fetch" and tool.alias == "net"
  limit net.fetch to 5 calls per session by args.url
}

agent "other" extends "child", "base" {
  deny t.ping unless ctx.tenant == "other" and agent.id == "other" because "only other"
  limit t.write to 2 calls per 10 minutes by args.path
}
`;

export const POLICIES: Readonly<Record<string, string>> = {
  strings: STRINGS_POLICY,
  numbers: NUMBERS_POLICY,
  lists: LISTS_POLICY,
  urls: URLS_POLICY,
  agents: AGENTS_POLICY,
};
