import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatText } from "../format/format.js";
import { runFmt } from "./fmt.js";
import type { Io } from "./io.js";

const FORMATTED = 'policy p\n\nallow inv.get when args.qty <= 20 // small orders\n';
const UNFORMATTED = "policy   p\nallow inv.get   when args.qty<=20 // small orders\n";
const BROKEN = "policy p\nallow inv.get when\n";

function memoryIo(cwd: string): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { out: (t) => stdout.push(t), err: (t) => stderr.push(t), color: false, cwd, stdout, stderr };
}

describe("agentpolicy fmt", () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  const write = (name: string, text: string) => writeFileSync(file(name), text);
  const read = (name: string) => readFileSync(file(name), "utf8");

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "agentpolicy-fmt-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("rewrites only the files that change and lists them", async () => {
    write("a.agentpolicy", UNFORMATTED);
    write("b.agentpolicy", FORMATTED);
    const old = new Date(2000, 0, 1);
    utimesSync(file("b.agentpolicy"), old, old);
    const io = memoryIo(dir);
    expect(await runFmt([file("a.agentpolicy"), file("b.agentpolicy")], { check: false }, io)).toBe(0);
    expect(read("a.agentpolicy")).toBe(FORMATTED);
    expect(read("b.agentpolicy")).toBe(FORMATTED);
    expect(statSync(file("b.agentpolicy")).mtime.getTime()).toBe(old.getTime());
    expect(io.stdout).toEqual(["a.agentpolicy"]);
    expect(io.stderr).toEqual([]);
  });

  it("--check lists unformatted files, writes nothing and exits 1", async () => {
    write("a.agentpolicy", UNFORMATTED);
    write("b.agentpolicy", FORMATTED);
    const io = memoryIo(dir);
    expect(await runFmt([file("a.agentpolicy"), file("b.agentpolicy")], { check: true }, io)).toBe(1);
    expect(read("a.agentpolicy")).toBe(UNFORMATTED);
    expect(io.stdout).toEqual(["a.agentpolicy"]);
    expect(io.stderr.join("\n")).toContain("1 file is not formatted");
  });

  it("--check exits 0 and prints nothing when every file is formatted", async () => {
    write("b.agentpolicy", FORMATTED);
    const io = memoryIo(dir);
    expect(await runFmt([file("b.agentpolicy")], { check: true }, io)).toBe(0);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toEqual([]);
  });

  it("prints the diagnostics of a file with syntax errors, leaves it alone and exits 1, still formatting the others", async () => {
    write("bad.agentpolicy", BROKEN);
    write("a.agentpolicy", UNFORMATTED);
    const io = memoryIo(dir);
    expect(await runFmt([file("bad.agentpolicy"), file("a.agentpolicy")], { check: false }, io)).toBe(1);
    expect(read("bad.agentpolicy")).toBe(BROKEN);
    expect(read("a.agentpolicy")).toBe(FORMATTED);
    const err = io.stderr.join("\n");
    expect(err).toContain("bad.agentpolicy:2:");
    expect(err).toContain("E_SYNTAX");
    expect(err).toContain("1 error");
  });

  it("reports an unreadable file and exits 2", async () => {
    const io = memoryIo(dir);
    expect(await runFmt([file("missing.agentpolicy")], { check: false }, io)).toBe(2);
    expect(io.stderr.join("\n")).toContain("cannot read missing.agentpolicy: no such file");
  });

  it("writes exactly what formatText answers (CRLF input becomes LF)", async () => {
    const crlf = UNFORMATTED.replace(/\n/g, "\r\n");
    write("c.agentpolicy", crlf);
    const io = memoryIo(dir);
    expect(await runFmt([file("c.agentpolicy")], { check: false }, io)).toBe(0);
    const expected = formatText(crlf);
    expect(expected.ok && read("c.agentpolicy")).toBe(expected.ok && expected.text);
  });
});
