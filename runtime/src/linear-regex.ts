/**
 * Linear-time regular expressions (LANGUAGE.md §12, manifest `pattern`s that fail the regex
 * safety check). `compileLinearRegex(pattern)` answers what `new RegExp(pattern, "u").test(s)`
 * answers, in O(|s| × |program|) time whatever the pattern: the pattern becomes a Thompson NFA
 * simulated Pike-VM style over the input's code points (a lone surrogate is one code point), with
 * no backtracking.
 *
 * Supported: `|`, concatenation, groups `( )` `(?: )` `(?<name> )`, quantifiers `* + ? {n} {n,}
 * {n,m}` (greedy or lazy: laziness does not change a boolean answer), `^` `$` (no `m` flag: start
 * and end of input), `\b` `\B`, `.` and every single-character atom (classes, escapes, literal
 * code points). A single-character atom other than a literal or `.` is decided by one native
 * RegExp `^(?:ATOM)$` (flag `u`) applied to one code point, memoized per code point: a native
 * regex cannot backtrack catastrophically on a one-code-point string.
 *
 * Returns null (never throws) for a pattern that does not compile with the `u` flag, that uses a
 * backreference or a lookaround (no NFA has them), whose counted repeats would expand past
 * MAX_LINEAR_REGEX_STATES states, or that the parser does not understand.
 *
 * Empty iterations: ECMAScript rejects an optional iteration that consumes nothing; such an
 * iteration leaves the position (and so every assertion) unchanged, so dropping it never changes
 * whether a match exists, and the NFA's answer is the native one.
 */

/** A compiled pattern: `test(s)` is `new RegExp(pattern, "u").test(s)` (unanchored search). */
export interface LinearRegex {
  test(s: string): boolean;
}

/** Programs (after expanding counted repeats) may have at most this many instructions. */
export const MAX_LINEAR_REGEX_STATES = 10_000;

/** Per-atom memo of non-ASCII code points; cleared when it reaches this size. */
const MEMO_LIMIT = 4096;

/** Compiles `pattern` (ECMAScript syntax, `u` flag) for linear-time matching, or null. */
export function compileLinearRegex(pattern: string): LinearRegex | null {
  try {
    if (typeof pattern !== "string") return null;
    new RegExp(pattern, "u");
    const parser = new Parser(pattern);
    const ast = parser.parse();
    if (ast === null) return null;
    if (size(ast) + 1 > MAX_LINEAR_REGEX_STATES) return null;
    const program = new ProgramBuilder();
    program.emit(ast);
    program.push(OP_MATCH, 0, 0);
    return new PikeVm(program, parser.atoms);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Atoms: one code point in, a boolean out.

interface Atom {
  test(cp: number): boolean;
}

class LiteralAtom implements Atom {
  constructor(private readonly cp: number) {}
  test(cp: number): boolean {
    return cp === this.cp;
  }
}

/** `.` without the `s` flag: any code point but a line terminator. */
class DotAtom implements Atom {
  test(cp: number): boolean {
    return cp !== 0x0a && cp !== 0x0d && cp !== 0x2028 && cp !== 0x2029;
  }
}

/** A class or escape, decided by the native engine on single code points. */
class NativeAtom implements Atom {
  /** ASCII answers: 0 unknown, 1 no, 2 yes. */
  private readonly ascii = new Uint8Array(128);
  private readonly other = new Map<number, boolean>();
  constructor(private readonly re: RegExp) {}
  test(cp: number): boolean {
    if (cp < 128) {
      const known = this.ascii[cp];
      if (known !== 0) return known === 2;
      const r = this.re.test(String.fromCodePoint(cp));
      this.ascii[cp] = r ? 2 : 1;
      return r;
    }
    const known = this.other.get(cp);
    if (known !== undefined) return known;
    const r = this.re.test(String.fromCodePoint(cp));
    if (this.other.size >= MEMO_LIMIT) this.other.clear();
    this.other.set(cp, r);
    return r;
  }
}

// ---------------------------------------------------------------------------------------------
// The parser: pattern text → tree. Null anywhere means "not supported here".

const A_START = 0;
const A_END = 1;
const A_WORD = 2;
const A_NOT_WORD = 3;

type Node =
  | { readonly t: "empty" }
  | { readonly t: "atom"; readonly atom: number }
  | { readonly t: "assert"; readonly kind: number }
  | { readonly t: "seq"; readonly items: readonly Node[] }
  | { readonly t: "alt"; readonly items: readonly Node[] }
  | { readonly t: "rep"; readonly node: Node; readonly min: number; readonly max: number };

class Unsupported extends Error {}

class Parser {
  readonly atoms: Atom[] = [];
  private readonly atomIndex = new Map<string, number>();
  private i = 0;
  constructor(private readonly p: string) {}

  parse(): Node | null {
    try {
      const node = this.disjunction();
      return this.i === this.p.length ? node : null;
    } catch (e) {
      if (e instanceof Unsupported) return null;
      throw e;
    }
  }

  private disjunction(): Node {
    const items = [this.alternative()];
    while (this.p[this.i] === "|") {
      this.i++;
      items.push(this.alternative());
    }
    return items.length === 1 ? items[0] : { t: "alt", items };
  }

  private alternative(): Node {
    const items: Node[] = [];
    while (this.i < this.p.length && this.p[this.i] !== "|" && this.p[this.i] !== ")") items.push(this.term());
    return items.length === 0 ? { t: "empty" } : items.length === 1 ? items[0] : { t: "seq", items };
  }

  private term(): Node {
    const p = this.p;
    const c = p[this.i];
    if (c === "^" || c === "$") {
      this.i++;
      return this.noQuantifier({ t: "assert", kind: c === "^" ? A_START : A_END });
    }
    if (c === "\\" && (p[this.i + 1] === "b" || p[this.i + 1] === "B")) {
      this.i += 2;
      return this.noQuantifier({ t: "assert", kind: p[this.i - 1] === "b" ? A_WORD : A_NOT_WORD });
    }
    return this.quantified(this.atom());
  }

  /** Assertions cannot be quantified with the `u` flag. */
  private noQuantifier(node: Node): Node {
    if (this.quantifier() !== null) throw new Unsupported();
    return node;
  }

  private quantified(node: Node): Node {
    const q = this.quantifier();
    if (q === null) return node;
    if (this.p[this.i] === "?") this.i++; // lazy: same boolean answer
    return { t: "rep", node, min: q[0], max: q[1] };
  }

  /** Reads a quantifier at the cursor: [min, max] (max Infinity when unbounded), or null. */
  private quantifier(): [number, number] | null {
    const p = this.p;
    const c = p[this.i];
    if (c === "*") return (this.i++, [0, Infinity]);
    if (c === "+") return (this.i++, [1, Infinity]);
    if (c === "?") return (this.i++, [0, 1]);
    if (c !== "{") return null;
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(this.i, this.i + 64));
    if (m === null) throw new Unsupported();
    this.i += m[0].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
    if (!(min <= max)) throw new Unsupported();
    return [min, max];
  }

  private atom(): Node {
    const p = this.p;
    const c = p[this.i];
    if (c === "(") return this.group();
    if (c === ".") {
      this.i++;
      return this.atomNode(".", () => new DotAtom());
    }
    if (c === "[") {
      const start = this.i;
      let j = this.i + 1;
      if (p[j] === "^") j++;
      while (j < p.length && p[j] !== "]") j += p[j] === "\\" ? 2 : 1;
      if (j >= p.length) throw new Unsupported();
      this.i = j + 1;
      return this.nativeAtom(p.slice(start, this.i));
    }
    if (c === "\\") return this.escape();
    if (c === "*" || c === "+" || c === "?" || c === "{" || c === "}" || c === "]" || c === ")" || c === "|") throw new Unsupported();
    const cp = p.codePointAt(this.i)!;
    this.i += cp > 0xffff ? 2 : 1;
    return this.atomNode(`#${cp}`, () => new LiteralAtom(cp));
  }

  private group(): Node {
    const p = this.p;
    this.i++; // (
    if (p[this.i] === "?") {
      if (p[this.i + 1] === ":") this.i += 2;
      else if (p[this.i + 1] === "<" && p[this.i + 2] !== "=" && p[this.i + 2] !== "!") {
        const close = p.indexOf(">", this.i);
        if (close < 0) throw new Unsupported();
        this.i = close + 1;
      } else throw new Unsupported(); // lookaround, modifiers
    }
    const inner = this.disjunction();
    if (p[this.i] !== ")") throw new Unsupported();
    this.i++;
    return this.quantified(inner);
  }

  /** An escape outside a class (`\b`, `\B` are handled as assertions before this). */
  private escape(): Node {
    const p = this.p;
    const start = this.i;
    const c = p[this.i + 1];
    if (c === undefined) throw new Unsupported();
    if ((c >= "1" && c <= "9") || c === "k") throw new Unsupported(); // backreferences
    let end: number;
    if ((c === "p" || c === "P" || c === "u") && p[this.i + 2] === "{") {
      const close = p.indexOf("}", this.i + 3);
      if (close < 0) throw new Unsupported();
      end = close + 1;
    } else if (c === "u") {
      end = this.i + 6;
      const lead = parseInt(p.slice(this.i + 2, end), 16);
      // `\uLEAD\uTRAIL` is one code point with the `u` flag.
      if (lead >= 0xd800 && lead <= 0xdbff && p[end] === "\\" && p[end + 1] === "u") {
        const trail = parseInt(p.slice(end + 2, end + 6), 16);
        if (trail >= 0xdc00 && trail <= 0xdfff && /^[0-9a-fA-F]{4}$/.test(p.slice(end + 2, end + 6))) end += 6;
      }
    } else if (c === "x") end = this.i + 4;
    else if (c === "c") end = this.i + 3;
    else {
      const cp = p.codePointAt(this.i + 1)!;
      end = this.i + 1 + (cp > 0xffff ? 2 : 1);
    }
    if (end > p.length) throw new Unsupported();
    this.i = end;
    return this.quantified(this.nativeAtom(p.slice(start, end)));
  }

  private nativeAtom(source: string): Node {
    return this.atomNode(source, () => new NativeAtom(new RegExp(`^(?:${source})$`, "u")));
  }

  private atomNode(key: string, make: () => Atom): Node {
    let index = this.atomIndex.get(key);
    if (index === undefined) {
      index = this.atoms.length;
      this.atoms.push(make());
      this.atomIndex.set(key, index);
    }
    return { t: "atom", atom: index };
  }
}

// ---------------------------------------------------------------------------------------------
// The program: instructions in parallel arrays.

const OP_ATOM = 0;
const OP_SPLIT = 1;
const OP_JMP = 2;
const OP_ASSERT = 3;
const OP_MATCH = 4;

/** Instructions `emit` will produce for a node (Infinity-safe, computed before expanding). */
function size(n: Node): number {
  switch (n.t) {
    case "empty":
      return 0;
    case "atom":
    case "assert":
      return 1;
    case "seq": {
      let total = 0;
      for (const x of n.items) total += size(x);
      return total;
    }
    case "alt": {
      let total = 2 * (n.items.length - 1);
      for (const x of n.items) total += size(x);
      return total;
    }
    case "rep": {
      const s = size(n.node);
      const tail = n.max === Infinity ? s + 2 : (n.max - n.min) * (s + 1);
      return n.min * s + tail;
    }
  }
}

class ProgramBuilder {
  readonly op: number[] = [];
  readonly x: number[] = [];
  readonly y: number[] = [];

  push(op: number, x: number, y: number): number {
    this.op.push(op);
    this.x.push(x);
    this.y.push(y);
    return this.op.length - 1;
  }

  emit(n: Node): void {
    switch (n.t) {
      case "empty":
        return;
      case "atom":
        this.push(OP_ATOM, n.atom, 0);
        return;
      case "assert":
        this.push(OP_ASSERT, n.kind, 0);
        return;
      case "seq":
        for (const x of n.items) this.emit(x);
        return;
      case "alt": {
        const jumps: number[] = [];
        for (let k = 0; k < n.items.length; k++) {
          if (k < n.items.length - 1) {
            const split = this.push(OP_SPLIT, 0, 0);
            this.x[split] = split + 1;
            this.emit(n.items[k]);
            jumps.push(this.push(OP_JMP, 0, 0));
            this.y[split] = this.op.length;
          } else this.emit(n.items[k]);
        }
        for (const j of jumps) this.x[j] = this.op.length;
        return;
      }
      case "rep": {
        for (let k = 0; k < n.min; k++) this.emit(n.node);
        if (n.max === Infinity) {
          const split = this.push(OP_SPLIT, 0, 0);
          this.x[split] = split + 1;
          this.emit(n.node);
          this.push(OP_JMP, split, 0);
          this.y[split] = this.op.length;
          return;
        }
        const splits: number[] = [];
        for (let k = n.min; k < n.max; k++) {
          const split = this.push(OP_SPLIT, 0, 0);
          this.x[split] = split + 1;
          splits.push(split);
          this.emit(n.node);
        }
        for (const s of splits) this.y[s] = this.op.length;
        return;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The simulation

function isWordUnit(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
}

class PikeVm implements LinearRegex {
  private readonly op: Int32Array;
  private readonly x: Int32Array;
  private readonly y: Int32Array;

  constructor(
    program: ProgramBuilder,
    private readonly atoms: readonly Atom[],
  ) {
    this.op = Int32Array.from(program.op);
    this.x = Int32Array.from(program.x);
    this.y = Int32Array.from(program.y);
  }

  test(input: string): boolean {
    const s = String(input);
    const n = this.op.length;
    const mark = new Int32Array(n);
    const stack = new Int32Array(2 * n + 2);
    let current = new Int32Array(n);
    let next = new Int32Array(n);
    let gen = 1;
    const { op, x, y, atoms } = this;

    /** Adds the closure of `start` at position `pos` to `list` (of `count` threads); -1 on a match. */
    const add = (list: Int32Array, count: number, start: number, pos: number): number => {
      let sp = 0;
      stack[sp++] = start;
      while (sp > 0) {
        const pc = stack[--sp];
        if (mark[pc] === gen) continue;
        mark[pc] = gen;
        switch (op[pc]) {
          case OP_ATOM:
            list[count++] = pc;
            break;
          case OP_SPLIT:
            stack[sp++] = y[pc];
            stack[sp++] = x[pc];
            break;
          case OP_JMP:
            stack[sp++] = x[pc];
            break;
          case OP_ASSERT:
            if (holds(x[pc], s, pos)) stack[sp++] = pc + 1;
            break;
          default:
            return -1;
        }
      }
      return count;
    };

    let count = add(current, 0, 0, 0);
    if (count < 0) return true;
    let pos = 0;
    while (pos < s.length) {
      const cp = s.codePointAt(pos)!;
      const after = pos + (cp > 0xffff ? 2 : 1);
      gen++;
      let nextCount = 0;
      for (let t = 0; t < count; t++) {
        const pc = current[t];
        if (atoms[x[pc]].test(cp)) {
          nextCount = add(next, nextCount, pc + 1, after);
          if (nextCount < 0) return true;
        }
      }
      // Unanchored search: a match may also start at the next code point.
      nextCount = add(next, nextCount, 0, after);
      if (nextCount < 0) return true;
      const swap = current;
      current = next;
      next = swap;
      count = nextCount;
      pos = after;
    }
    return false;
  }
}

function holds(kind: number, s: string, pos: number): boolean {
  switch (kind) {
    case A_START:
      return pos === 0;
    case A_END:
      return pos === s.length;
    default: {
      const before = pos > 0 && isWordUnit(s.charCodeAt(pos - 1));
      const here = pos < s.length && isWordUnit(s.charCodeAt(pos));
      return (before !== here) === (kind === A_WORD);
    }
  }
}
