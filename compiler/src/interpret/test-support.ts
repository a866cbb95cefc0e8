/**
 * Test support for the interpreter's tests: policies checked from text against in-memory
 * manifests, and a small set of manifests that exercise every kind of field.
 * Not part of the public API.
 */
import { basename } from "node:path";
import { checkSource } from "../program.js";
import type { PolicyModel } from "../semantic/model.js";

const str = { type: "string" };
const num = { type: "number" };

/** `t`: one tool with a field of every shape, a destructive writer with secrets, a bare tool. */
export const T_MANIFEST = {
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
            items: { type: "object", properties: { name: str, qty: { type: "integer" } }, required: ["name", "qty"] },
          },
          kind: { enum: ["a", "b", "c"] },
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

/** `u`: shares the bare name `op` with `t`; `solo` is unique. */
export const U_MANIFEST = {
  tools: [
    { name: "op", inputSchema: { type: "object", properties: { q: str } } },
    { name: "solo", inputSchema: { type: "object", properties: { q: str }, additionalProperties: false } },
  ],
};

export const MANIFESTS: Readonly<Record<string, unknown>> = { "t.json": T_MANIFEST, "u.json": U_MANIFEST };

export const HEADER = `policy p version "1.0.0"
tools t from "./t.json"
tools u from "./u.json"
`;

/** A policy file's path in tests (nothing is read from disk). */
export const POLICY_FILE = "/virtual/policy.agentpolicy";

/**
 * The checked model of `policy`, whose `tools` lines name keys of `manifests` (by file
 * name). Throws with the diagnostics when the policy has errors.
 */
export function modelOf(policy: string, manifests: Readonly<Record<string, unknown>> = MANIFESTS): PolicyModel {
  const host = {
    readFile(path: string): string {
      const name = basename(path);
      if (!Object.hasOwn(manifests, name)) throw new Error(`ENOENT: ${path}`);
      const m = manifests[name];
      return typeof m === "string" ? m : JSON.stringify(m);
    },
  };
  const checked = checkSource(policy, POLICY_FILE, host);
  const errors = checked.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) {
    const text = errors.map((d) => `${d.code} at ${d.span.start}: ${d.message} [${policy.slice(d.span.start, d.span.end)}]`).join("\n");
    throw new Error(`policy has errors:\n${text}\n---\n${policy}`);
  }
  return checked.model;
}
