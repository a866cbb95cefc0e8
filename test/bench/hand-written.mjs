// A guard for fixtures/bench.agentpolicy written by hand, the way a careful engineer would
// write it without the compiler: validate the arguments and the context field by field,
// dispatch on the tool, check the rules that concern it for the agent's role chain, and build
// the verdict. Same verdicts as the compiled guard on valid requests (effect, rules, reasons);
// it is the yardstick of the benchmark ("compiled within 2x of hand-written").

const BLOCKED_CMDS = new Set(["rm", "dd", "mkfs", "shutdown", "reboot"]);
const SAFE_CMDS = new Set(["ls", "cat", "grep", "git", "npm", "node"]);
const PUBLIC_TABLES = new Set(["products", "orders", "inventory", "prices"]);
const BLOCKED_DOMAINS = new Set(["evil.io", "malware.test", "phish.example"]);
const SUSPENDED = new Set(["t-suspended", "t-frozen"]);
const ADMINS = new Set(["alice", "bob", "carol"]);

const READERS = new Set(["reader", "writer", "ops"]);
const WRITERS = new Set(["writer", "ops"]);

const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
const isString = (v) => typeof v === "string";
const isInt = (v) => typeof v === "number" && Number.isInteger(v);
const isStringList = (v) => Array.isArray(v) && v.every(isString);
const SURROGATE = /[\uD800-\uDFFF]/;
/** Code points: the UTF-16 length unless a surrogate is present. */
const cpLength = (s) => {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
};

function deny(rule, reasons, tool) {
  return { effect: "deny", rules: [rule], reasons, errors: [], tool, annotations: {} };
}

/** Collects the ids and reasons of applicable rules per effect; deny > review > allow > default. */
class Outcome {
  constructor(tool) {
    this.tool = tool;
    this.denies = null;
    this.reviews = null;
    this.allows = null;
  }
  deny(id, because) {
    this.denies = add(this.denies, id, because);
  }
  review(id, because) {
    this.reviews = add(this.reviews, id, because);
  }
  allow(id, because) {
    this.allows = add(this.allows, id, because);
  }
  verdict() {
    const [effect, hits] =
      this.denies !== null ? ["deny", this.denies] : this.reviews !== null ? ["review", this.reviews] : this.allows !== null ? ["allow", this.allows] : [null, null];
    if (effect === null) return { effect: "deny", rules: ["default"], reasons: [], errors: [], tool: this.tool, annotations: {} };
    return { effect, rules: hits.rules, reasons: hits.reasons, errors: [], tool: this.tool, annotations: {} };
  }
}

function add(hits, id, because) {
  const h = hits ?? { rules: [], reasons: [] };
  h.rules.push(id);
  if (because !== null) h.reasons.push(because);
  return h;
}

// ---------------------------------------------------------------- validation

const ENCODINGS = new Set(["utf8", "base64"]);
const MODES = new Set(["append", "overwrite"]);
const METHODS = new Set(["GET", "POST", "PUT", "DELETE"]);
const FORMATS = new Set(["csv", "json"]);
const PRIORITIES = new Set(["low", "normal", "high"]);
const ROLES = new Set(["viewer", "editor", "admin"]);
const ENVS = new Set(["dev", "staging", "prod"]);

const VALIDATORS = {
  "fs.read_file": (a) => isString(a.path) && (a.encoding === undefined || ENCODINGS.has(a.encoding)),
  "fs.write_file": (a) => isString(a.path) && isString(a.content) && (a.mode === undefined || MODES.has(a.mode)),
  "fs.list_dir": (a) => isString(a.path) && (a.depth === undefined || (isInt(a.depth) && a.depth >= 0 && a.depth <= 10)),
  "fs.delete_file": (a) => isString(a.path),
  "web.fetch": (a) => isString(a.url) && METHODS.has(a.method) && (a.timeout === undefined || (typeof a.timeout === "number" && a.timeout >= 0)),
  "web.search": (a) =>
    isString(a.query) &&
    cpLength(a.query) <= 1000 &&
    (a.limit === undefined || (isInt(a.limit) && a.limit >= 1 && a.limit <= 100)) &&
    (a.domains === undefined || isStringList(a.domains)),
  "ops.query": (a) => isString(a.sql) && isStringList(a.tables) && (a.rows === undefined || (isInt(a.rows) && a.rows >= 1)),
  "ops.export": (a) => isString(a.table) && isInt(a.rows) && a.rows >= 1 && FORMATS.has(a.format),
  "ops.send_mail": (a) => isStringList(a.to) && a.to.length >= 1 && isString(a.subject) && isString(a.body) && (a.priority === undefined || PRIORITIES.has(a.priority)),
  "ops.exec": (a) => isString(a.cmd) && isStringList(a.args) && (a.cwd === undefined || isString(a.cwd)) && (a.timeout === undefined || (typeof a.timeout === "number" && a.timeout >= 0)),
};

const validContext = (c) => isObject(c) && isObject(c.user) && isString(c.user.id) && ROLES.has(c.user.role) && isString(c.tenant) && ENVS.has(c.env);

// ---------------------------------------------------------------- rules per tool

function everyone(o, ctx, destructive) {
  if (destructive && ctx.env === "prod" && ctx.user.role !== "admin") o.deny("*/deny/*", "destructive tools in prod are for admins");
  if (SUSPENDED.has(ctx.tenant)) o.deny("*/deny/*#2", "tenant suspended");
}

function fsPaths(o, a) {
  if (a.path.startsWith("/etc") || a.path.startsWith("/root")) o.deny("*/deny/fs.*", "system paths");
  if (a.path.includes("..")) o.deny("*/deny/fs.*#2", "path traversal");
}

const RULES = {
  "fs.read_file"(o, a, ctx, agent) {
    everyone(o, ctx, false);
    fsPaths(o, a);
    if (a.path.endsWith(".pem") || a.path.endsWith(".env") || a.path.endsWith("id_rsa")) o.deny("*/deny/fs.read_file", "secrets");
    if (READERS.has(agent) && (a.path.startsWith("/workspace/") || a.path.startsWith("/data/"))) o.allow("reader/allow/fs.read_file", null);
    if (agent === "researcher" && a.path.startsWith("/data/papers/")) o.allow("researcher/allow/fs.read_file", null);
    if (agent === "analyst" && a.path.startsWith("/data/") && (a.encoding ?? "utf8") === "utf8") o.allow("analyst/allow/fs.read_file", null);
  },
  "fs.write_file"(o, a, ctx, agent) {
    everyone(o, ctx, true);
    fsPaths(o, a);
    if (READERS.has(agent) && ctx.user.role === "viewer") o.deny("reader/deny/fs.write_file", "viewers cannot write");
    if (WRITERS.has(agent)) {
      const big = cpLength(a.content) >= 100_000;
      if (a.path.startsWith("/workspace/") && !big) o.allow("writer/allow/fs.write_file", null);
      if (big) o.review("writer/review/fs.write_file", "large write");
      if (a.path.endsWith(".sh") && (a.mode ?? "overwrite") === "overwrite") o.deny("writer/deny/fs.write_file", "scripts are append-only");
      if (a.path.startsWith("/workspace/.git/")) o.deny("writer/deny/fs.write_file#2", "git internals");
    }
    if (agent === "researcher") o.deny("researcher/deny/fs.write_file", "researchers do not write");
    if (agent === "analyst") {
      if (!a.path.startsWith("/data/reports/")) o.deny("analyst/deny/fs.write_file", "reports only");
      else if (a.path.endsWith(".csv")) o.allow("analyst/allow/fs.write_file", null);
    }
  },
  "fs.list_dir"(o, a, ctx, agent) {
    everyone(o, ctx, false);
    fsPaths(o, a);
    const depth = a.depth ?? 1;
    if (READERS.has(agent)) {
      if (depth <= 3) o.allow("reader/allow/fs.list_dir", null);
      else o.review("reader/review/fs.list_dir", "deep listing");
    }
    if (WRITERS.has(agent)) o.allow("writer/allow/fs.list_dir", null);
    if (agent === "researcher" && a.path.startsWith("/data/")) o.allow("researcher/allow/fs.list_dir", null);
    if (agent === "analyst" && a.path.startsWith("/data/") && depth <= 5) o.allow("analyst/allow/fs.list_dir", null);
  },
  "fs.delete_file"(o, a, ctx, agent) {
    everyone(o, ctx, true);
    fsPaths(o, a);
    if (READERS.has(agent) && ctx.user.role !== "admin") o.deny("reader/deny/fs.delete_file", "only admins delete");
    if (agent === "ops") {
      if (a.path.startsWith("/tmp/")) o.allow("ops/allow/fs.delete_file", null);
      if (a.path.startsWith("/workspace/")) o.review("ops/review/fs.delete_file", "deleting workspace files");
    }
  },
  "web.fetch"(o, a, ctx, agent) {
    everyone(o, ctx, false);
    if (a.url.startsWith("http://")) o.deny("*/deny/web.fetch", "plain http");
    if (READERS.has(agent)) {
      if (a.method === "GET" && a.url.startsWith("https://")) o.allow("reader/allow/web.fetch", null);
      if (a.method !== "GET") o.review("reader/review/web.fetch", "non-GET request");
      if ((a.timeout ?? 30) > 120) o.deny("reader/deny/web.fetch", "timeout too long");
    }
    if (WRITERS.has(agent)) {
      if (a.method === "POST" && a.url.startsWith("https://api.example.com/")) o.allow("writer/allow/web.fetch", null);
      if (a.method === "DELETE") o.deny("writer/deny/web.fetch", "no deletes");
    }
    if (agent === "researcher") {
      if (a.method === "GET") o.allow("researcher/allow/web.fetch", null);
      if (a.url.includes("/admin")) o.deny("researcher/deny/web.fetch", "admin pages");
      if (a.url.endsWith(".zip") || a.url.endsWith(".exe")) o.review("researcher/review/web.fetch", "downloads");
    }
    if (agent === "analyst") o.deny("analyst/deny/web.fetch", "analysts do not browse");
    if (agent === "ops" && a.url.startsWith("https://status.example.com/")) o.allow("ops/allow/web.fetch", null);
  },
  "web.search"(o, a, ctx, agent) {
    everyone(o, ctx, false);
    if (a.domains !== undefined && a.domains.some((d) => BLOCKED_DOMAINS.has(d))) o.deny("*/deny/web.search", "blocked domain");
    if (READERS.has(agent)) {
      const limit = a.limit ?? 10;
      if (limit <= 50 && cpLength(a.query) <= 200) o.allow("reader/allow/web.search", null);
      if (limit > 50) o.review("reader/review/web.search", "many results");
    }
    if (agent === "researcher") o.allow("researcher/allow/web.search", null);
    if (agent === "analyst" && cpLength(a.query) >= 3) o.allow("analyst/allow/web.search", null);
  },
  "ops.query"(o, a, ctx, agent) {
    everyone(o, ctx, false);
    const sql = a.sql.toLowerCase();
    if (sql.includes("drop ") || sql.includes("truncate ")) o.deny("*/deny/ops.query", "DDL");
    const rows = a.rows ?? 100;
    const allPublic = a.tables.every((t) => PUBLIC_TABLES.has(t));
    if (READERS.has(agent)) {
      if (allPublic && rows <= 1_000) o.allow("reader/allow/ops.query", null);
      if (rows > 1_000) o.review("reader/review/ops.query", "large query");
      if (a.tables.includes("users") && ctx.user.role === "viewer") o.deny("reader/deny/ops.query", "users table");
    }
    if (WRITERS.has(agent)) {
      if (sql.startsWith("update")) o.review("writer/review/ops.query", "writes to the database");
      if (sql.startsWith("select") && a.tables.length <= 3) o.allow("writer/allow/ops.query", null);
    }
    if (agent === "researcher") {
      if (allPublic) o.allow("researcher/allow/ops.query", null);
      if (rows > 10_000) o.deny("researcher/deny/ops.query", "too many rows");
    }
    if (agent === "analyst") {
      if (a.tables.length <= 5) o.allow("analyst/allow/ops.query", null);
      if (a.tables.some((t) => t.startsWith("secret_"))) o.deny("analyst/deny/ops.query", "secret tables");
    }
    if (agent === "ops") {
      o.allow("ops/allow/ops.query", null);
      if (ctx.env === "prod" && sql.startsWith("delete")) o.deny("ops/deny/ops.query", "deletes in prod");
    }
  },
  "ops.export"(o, a, ctx, agent) {
    everyone(o, ctx, false);
    if (a.rows > 100_000) o.review("*/review/ops.export", "large export");
    if (READERS.has(agent)) {
      if (PUBLIC_TABLES.has(a.table) && a.rows <= 50_000 && a.format === "json") o.allow("reader/allow/ops.export", null);
      if (a.format === "csv" && a.rows > 10_000) o.deny("reader/deny/ops.export", "csv too large");
    }
    if (WRITERS.has(agent) && a.format === "csv" && a.rows <= 10_000) o.allow("writer/allow/ops.export", null);
    if (agent === "analyst") {
      if (a.rows <= 1_000_000) o.allow("analyst/allow/ops.export", null);
      if (a.format === "csv" && a.rows > 500_000) o.review("analyst/review/ops.export", "huge csv");
    }
  },
  "ops.send_mail"(o, a, ctx, agent) {
    everyone(o, ctx, false);
    if ((a.priority ?? "normal") === "high") o.review("*/review/ops.send_mail", "high priority mail");
    if (ctx.env === "prod" && a.to.some((t) => !t.endsWith("@example.com"))) o.deny("*/deny/ops.send_mail", "external mail from prod");
    if (WRITERS.has(agent)) {
      if (a.to.length <= 10 && cpLength(a.subject) > 0) o.allow("writer/allow/ops.send_mail", null);
      if (a.to.length > 10) o.review("writer/review/ops.send_mail", "mass mail");
      if (a.body.includes("password")) o.deny("writer/deny/ops.send_mail", "credentials in mail");
    }
    if (agent === "researcher") {
      if (a.to.some((t) => t.endsWith("@press.example.com"))) o.review("researcher/review/ops.send_mail", "press contact");
      if (a.to.every((t) => t.endsWith("@example.com"))) o.allow("researcher/allow/ops.send_mail", null);
    }
    if (agent === "ops" && ctx.env === "prod" && a.subject.startsWith("[outage]")) o.review("ops/review/ops.send_mail", "outage notice");
  },
  "ops.exec"(o, a, ctx, agent) {
    everyone(o, ctx, true);
    if (BLOCKED_CMDS.has(a.cmd)) o.deny("*/deny/ops.exec", "blocked command");
    if (READERS.has(agent) && ctx.user.role === "viewer") o.deny("reader/deny/ops.exec", "viewers cannot run commands");
    if (WRITERS.has(agent) && a.args.length > 20) o.deny("writer/deny/ops.exec", "too many arguments");
    if (agent === "researcher") o.deny("researcher/deny/ops.exec", "researchers do not run commands");
    if (agent === "analyst" && !ADMINS.has(ctx.user.id)) o.deny("analyst/deny/ops.exec", "admins only");
    if (agent === "ops") {
      const safe = SAFE_CMDS.has(a.cmd);
      if (safe && (a.timeout ?? 60) <= 600) o.allow("ops/allow/ops.exec", null);
      if (!safe) o.review("ops/review/ops.exec", "unusual command");
      if ((a.cwd ?? "/workspace").startsWith("/etc")) o.deny("ops/deny/ops.exec", "cwd in /etc");
      if (a.args.some((x) => x.startsWith("--force"))) o.deny("ops/deny/ops.exec#2", "no force flags");
    }
  },
};

const BARE = new Map(Object.keys(RULES).map((q) => [q.slice(q.indexOf(".") + 1), q]));

/** `evaluate(request, session?)`: the verdict of the rules (no limits). */
export function evaluate(request) {
  try {
    if (!isObject(request) || !isString(request.agent) || !isString(request.tool)) return deny("invalid_request", ["malformed request"], null);
    const tool = Object.hasOwn(RULES, request.tool) ? request.tool : BARE.get(request.tool);
    if (tool === undefined) return deny("unknown_tool", [`unknown tool \`${request.tool}\``], null);
    const args = request.args ?? {};
    if (!isObject(args) || !VALIDATORS[tool](args)) return deny("invalid_arguments", ["arguments do not match the schema"], tool);
    const ctx = request.context ?? {};
    if (!validContext(ctx)) return deny("invalid_context", ["context does not match the declaration"], tool);
    const outcome = new Outcome(tool);
    RULES[tool](outcome, args, ctx, request.agent);
    return outcome.verdict();
  } catch (e) {
    return { effect: "deny", rules: ["internal_error"], reasons: ["the policy could not be evaluated"], errors: [{ rule: "internal_error", message: String(e) }], tool: null, annotations: {} };
  }
}
