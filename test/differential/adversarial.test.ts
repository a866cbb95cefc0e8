// Hostile inputs against compiled guards: every answer is a correct decision (the
// interpreter's) or a deny, never an exception or a hang.
import { beforeAll, describe, expect, it } from "vitest";
import type { PolicyProgram, SessionView, ToolRequest, Verdict } from "@agentpolicy/runtime";
import { MANIFESTS, POLICIES } from "./fixtures.js";
import { comparable, interpreterOf, loadCompiled, modelOf } from "./support.js";

const engines: Record<string, { compiled: PolicyProgram; interpreter: PolicyProgram }> = {};

beforeAll(async () => {
  for (const name of ["strings", "lists", "urls", "agents"]) {
    const model = modelOf(POLICIES[name], MANIFESTS, `/virtual/${name}.agentpolicy`);
    engines[name] = { compiled: (await loadCompiled(model)).program, interpreter: interpreterOf(model) };
  }
});

/** The compiled verdict; it must not throw, must be frozen, and must equal the interpreter's. */
function decide(policy: string, request: unknown, session?: SessionView): Verdict {
  const { compiled, interpreter } = engines[policy];
  let v: Verdict;
  expect(() => {
    v = compiled.evaluate(request as ToolRequest, session);
  }).not.toThrow();
  expect(Object.isFrozen(v!)).toBe(true);
  expect(comparable(v!)).toEqual(comparable(interpreter.evaluate(request as ToolRequest, session)));
  return v!;
}

const CTX = { user: { id: "u1", role: "viewer" }, tenant: "t1" };
const op = (args: unknown, extra: Record<string, unknown> = {}) => ({ agent: "a", tool: "t.op", args, context: CTX, ...extra });

function deep(levels: number): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < levels; i++) v = i % 2 === 0 ? [v] : { a: v };
  return v;
}

describe("malformed requests", () => {
  for (const request of [null, undefined, 5, "t.op", [], [op({ s: "x" })], { agent: 5, tool: "t.op" }, { agent: "a", tool: 5 }, { agent: "a" }, { agent: "a", tool: "t.op", session: 7 }]) {
    it(`request ${JSON.stringify(request) ?? "undefined"}`, () => {
      const v = decide("strings", request);
      expect(v.effect).toBe("deny");
      expect(v.rules).toEqual(["invalid_request"]);
    });
  }
  for (const args of [null, 5, "x", [], true, [1, 2]]) {
    it(`args ${JSON.stringify(args)}`, () => {
      expect(decide("strings", op(args)).rules).toEqual(["invalid_arguments"]);
    });
  }
  for (const context of [null, 5, "ctx", [], {}, { user: null, tenant: "t" }, { user: { id: 1, role: "viewer" }, tenant: "t" }]) {
    it(`context ${JSON.stringify(context)}`, () => {
      expect(decide("strings", op({ s: "hello" }, { context })).rules).toEqual(["invalid_context"]);
    });
  }
  it("a request whose fields throw when read", () => {
    const request = Object.defineProperty({ agent: "a", tool: "t.op" }, "args", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
    const v = engines.strings.compiled.evaluate(request as ToolRequest);
    expect(v.effect).toBe("deny");
  });
  it("arguments behind a throwing proxy", () => {
    const args = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("trap");
        },
        get() {
          throw new Error("trap");
        },
      },
    );
    expect(decide("strings", op(args)).effect).toBe("deny");
  });
});

describe("prototype keys", () => {
  it("__proto__, constructor and prototype as JSON keys", () => {
    for (const text of [
      '{"s":"hello","__proto__":{"opt":"x"}}',
      '{"s":"hello","constructor":"c"}',
      '{"s":"hello","constructor":{"prototype":{"s":"x"}}}',
      '{"s":"hello","prototype":"p","toString":7}',
      '{"s":"hello","rec":{"__proto__":{"a":"x"},"a":"y"}}',
      '{"s":"hello","items":[{"name":"a","qty":1,"__proto__":{"tags":["x"]}}]}',
    ]) {
      decide("strings", op(JSON.parse(text)));
      decide("lists", op(JSON.parse(text), { context: { groups: ["a"], owner: { id: "o" } } }));
    }
  });
  it("inherited names read as missing, not as Object.prototype members", () => {
    // `constructor` is optional and absent: `args.constructor == "c"` errs (missing), it is not a function.
    const v = decide("strings", op({ s: "hello" }));
    expect(v.errors.map((e) => e.rule)).toContain("*/allow/t.op#3");
  });
  it("objects with a foreign prototype are not JSON", () => {
    const args = Object.create({ s: "hello" }) as object;
    expect(decide("strings", op(args)).rules).toEqual(["invalid_arguments"]);
    const nullProto = Object.assign(Object.create(null) as object, { s: "hello" });
    decide("strings", op(nullProto));
  });
  it("fields inherited from a prototype that looks like another realm's Object.prototype read as missing", () => {
    const realm = Object.assign(Object.create(null) as object, { opt: "x", nul: "blocked", kind: "a", constructor: "c" });
    const args = Object.assign(Object.create(realm) as object, { s: "hello" });
    decide("strings", op(args));
    const ctx = Object.assign(Object.create(Object.assign(Object.create(null) as object, { ticket: "T-1" })) as object, CTX);
    decide("strings", op({ s: "hello", opt: "ABC-12" }, { context: ctx }));
  });
});

describe("sizes", () => {
  it("10,000-deep nesting", () => {
    expect(decide("lists", op({ s: "x", meta: deep(10_000) }, { context: { groups: [], owner: { id: "o" } } })).rules).toEqual(["invalid_arguments"]);
    expect(decide("strings", op({ s: "x" }, { context: { ...CTX, ticket: deep(10_000) } })).rules).toEqual(["invalid_context"]);
    expect(decide("strings", op(deep(10_000))).rules).toEqual(["invalid_arguments"]);
  });
  it("megabyte strings", () => {
    const big = "a".repeat(1_000_000);
    decide("strings", op({ s: big, opt: big, path: `/tmp/${big}`, nul: big }, { context: { ...CTX, ticket: big } }));
    decide("strings", op({ s: `rm -rf ${big}` }));
    decide("urls", { agent: "a", tool: "net.fetch", args: { url: `https://example.com/${big}?token=${big}` } });
    decide("urls", { agent: "a", tool: "t.write", args: { path: `/workspace/${"../".repeat(300_000)}etc` } });
  });
  it("million-element arrays", () => {
    const xs = new Array<string>(1_000_000).fill("ok-ish");
    decide("lists", op({ s: "x", xs, ns: new Array<number>(1_000_000).fill(2) }, { context: { groups: ["g"], owner: { id: "o" } } }));
  });
});

describe("numbers and strings at the edges", () => {
  it("NaN, Infinity and -0", () => {
    for (const n of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(decide("strings", op({ s: "hello", rec: { b: n } })).rules).toEqual(["invalid_arguments"]);
    }
    decide("strings", op({ s: "hello", rec: { b: -0 } }));
    decide("lists", op({ s: "x", ns: [-0, 0, 3] }, { context: { groups: [], owner: { id: "o" } } }));
  });
  it("lone surrogates", () => {
    for (const s of ["\ud800", "a\udc00b", "\udbff\udfff", "😀\ud83d"]) {
      decide("strings", op({ s, opt: s, path: s, nul: s }));
      decide("lists", op({ s, xs: [s] }, { context: { groups: [s], owner: { id: s } } }));
    }
  });
});

describe("paths", () => {
  const write = (path: string, role = "admin") => ({ agent: "a", tool: "t.write", args: { path }, context: { ...CTX, user: { id: "u", role } } });
  const cases: [string, "allow" | "deny"][] = [
    ["/workspace/a.ts", "allow"],
    ["/workspace/../etc/passwd", "deny"],
    ["/workspace/./x/../../etc/shadow", "deny"],
    ["/workspace//a.ts", "allow"],
    ["/workspace/%2e%2e/x", "allow"],
    ["/workspace\\..\\..\\etc", "deny"],
    ["/workspace/a\\..\\..\\etc", "allow"],
    ["/workspaces/x", "deny"],
    ["workspace/a.ts", "deny"],
    ["/workspace/run.sh", "deny"],
    ["/workspace/.env", "deny"],
    ["/etc/passwd", "deny"],
  ];
  for (const [path, effect] of cases) {
    it(`${path} → ${effect}`, () => {
      expect(decide("urls", write(path)).effect).toBe(effect);
    });
  }
});

describe("urls", () => {
  const fetch = (url: string) => ({ agent: "a", tool: "net.fetch", args: { url } });
  const cases: [string, "allow" | "deny" | "review"][] = [
    ["https://example.com/", "allow"],
    ["https://EXAMPLE.com:443/a", "allow"],
    ["https://user:pw@example.com/", "allow"],
    ["https://example.com:8443/", "deny"],
    ["http://example.com/", "deny"],
    ["https://example.com.evil.io/", "deny"],
    ["https://evil.io@example.com/", "allow"],
    ["https://example.com@evil.io/", "deny"],
    ["  https://example.com/  ", "allow"],
    ["https://example.com/admin", "review"],
    ["https://example.com/?token=1", "review"],
    ["https://xn--e1afmkfd.xn--p1ai/", "deny"],
    ["https://пример.рф/", "deny"],
    ["not a url", "deny"],
    ["https://[::1]:443/", "deny"],
    ["https://example.com:443:80/", "deny"],
  ];
  for (const [url, effect] of cases) {
    it(`${url} → ${effect}`, () => {
      expect(decide("urls", fetch(url)).effect).toBe(effect);
    });
  }
});

describe("hostile names in the policy and the manifests", () => {
  it("ids, agents, tools and descriptions cannot break out of comments or strings", async () => {
    const manifest = {
      tools: [
        {
          name: "x*/\nprocess.exit(1)//",
          description: "*/ process.exit(2) /*\n// evil",
          inputSchema: { type: "object", properties: { "a*/b": { type: "string", description: "*/ x" }, "\u2028": { type: "string" } } },
        },
        { name: "ok", inputSchema: { type: "object", properties: {} } },
      ],
    };
    const policy = `policy p
tools t from "./m.json"
@id("id\\n process.exit(3) */ ")
deny t.ok because "because */ \\n evil"
agent "agent\\nprocess.exit(4) */\\u2028" {
  @note("*/\\n")
  allow t.* when args == {} or true unless tool.name == "*/\\nevil"
  limit t.ok to 1 calls per minute by "k\\n*/"
}
`;
    const model = modelOf(policy, { "m.json": manifest }, "/virtual/evil\n*/ name.agentpolicy");
    const compiled = (await loadCompiled(model)).program;
    const interpreter = interpreterOf(model);
    for (const agent of ["agent\nprocess.exit(4) */\u2028", "other"]) {
      for (const tool of ["t.ok", "t.x*/\nprocess.exit(1)//"]) {
        const request = { agent, tool, args: {} } as ToolRequest;
        expect(comparable(compiled.evaluate(request))).toEqual(comparable(interpreter.evaluate(request)));
      }
    }
  });
});

describe("session views", () => {
  const ctx = { user: { id: "u", role: "viewer" }, tenant: "t" };
  const views: unknown[] = [
    undefined,
    { labels: new Set(["secret"]), counts: new Map([["t.write", 3]]) },
    { labels: ["secret", "net"], counts: { "t.write": 2, "net.fetch": 9 } },
    { labels: null, counts: null },
    { labels: "secret", counts: 5 },
    { counts: { "t.write": Number.NaN, __proto__: 7 } },
    {},
    5,
  ];
  for (const view of views) {
    it(`${JSON.stringify(view) ?? "undefined"} (${view instanceof Object ? view.constructor.name : typeof view})`, () => {
      for (const agent of ["base", "child", "stranger"]) {
        for (const tool of ["t.op", "net.fetch", "t.write"]) {
          decide("agents", { agent, tool, args: { s: "x", url: "https://a.example/", path: "/w" }, context: ctx, session: "" }, view as SessionView);
        }
      }
    });
  }
});
