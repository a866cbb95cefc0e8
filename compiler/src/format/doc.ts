/**
 * A small Wadler/Prettier-style document algebra and its line-fitting printer: the
 * formatter (syntax/printer.ts) describes layout as a `Doc`, and `printDoc` chooses,
 * for each `group`, whether it fits flat on the rest of the line or breaks.
 *
 * Contracts:
 * - `printDoc` is total and deterministic; it never throws on a well-formed `Doc`.
 * - A `group` containing a hard line or `breakParent` (anywhere inside, nested groups
 *   included) always breaks, and so does every group around it (`propagateBreaks`).
 * - `lineSuffix` contents are held back and printed just before the next line break
 *   (or at the end): that is how a trailing `// comment` stays at the end of its line.
 *   Suffixes flushed together after one that `endsLine` are put on lines of their own.
 * - `verbatim` text (comments) is printed as is: trailing-whitespace trimming at line
 *   ends never reaches into it, and a multi-line verbatim text breaks its groups. A
 *   verbatim `//` comment printed while suffixes are held back comes after them, on
 *   its own line when one of them ends its line.
 * - Never two spaces in a row between printed pieces (outside verbatim text).
 * - A `mergingHardline` followed (with nothing printed in between) by another line
 *   break yields one line break, not an empty line; spaces printed right after it are
 *   dropped (the line starts at its indentation).
 * - Width is measured in code points.
 */

export type Doc = string | readonly Doc[] | DocCommand;

export type DocCommand =
  | { readonly type: "group"; readonly contents: Doc; shouldBreak: boolean }
  | { readonly type: "indent"; readonly contents: Doc }
  | { readonly type: "line"; readonly hard: boolean; readonly soft: boolean; readonly merge?: boolean }
  | { readonly type: "ifBreak"; readonly breakContents: Doc; readonly flatContents: Doc }
  | { readonly type: "lineSuffix"; readonly contents: Doc; readonly endsLine: boolean }
  | { readonly type: "breakParent" }
  | { readonly type: "verbatim"; readonly text: string; readonly endsLine: boolean };

export const line: Doc = { type: "line", hard: false, soft: false };
export const softline: Doc = { type: "line", hard: false, soft: true };
export const breakParent: Doc = { type: "breakParent" };
export const hardline: Doc = [{ type: "line", hard: true, soft: false }, breakParent];
/** A hard line break that absorbs the next line break when nothing is printed in between (no empty line results). */
export const mergingHardline: Doc = [{ type: "line", hard: true, soft: false, merge: true }, breakParent];

export const group = (contents: Doc, shouldBreak = false): Doc => ({ type: "group", contents, shouldBreak });
export const indent = (contents: Doc): Doc => ({ type: "indent", contents });
export const ifBreak = (breakContents: Doc, flatContents: Doc = ""): Doc => ({ type: "ifBreak", breakContents, flatContents });
/** `endsLine`: the contents end with a `//` comment, so another suffix flushed with it must start a new line. */
export const lineSuffix = (contents: Doc, endsLine = false): Doc => ({ type: "lineSuffix", contents, endsLine });
/**
 * Text printed exactly as given (comments); a text with a line break breaks the groups
 * around it. `endsLine`: a `//` comment, after which only a line break may follow
 * (held-back suffixes are printed before it).
 */
export const verbatim = (text: string, endsLine = false): Doc =>
  /[\r\n]/.test(text) ? [{ type: "verbatim", text, endsLine }, breakParent] : { type: "verbatim", text, endsLine };

/** `items` separated by `separator`. */
export function join(separator: Doc, items: readonly Doc[]): Doc[] {
  const out: Doc[] = [];
  items.forEach((d, i) => {
    if (i > 0) out.push(separator);
    out.push(d);
  });
  return out;
}

const BREAK = 0;
const FLAT = 1;
type Mode = typeof BREAK | typeof FLAT;
interface Command {
  readonly indent: number;
  readonly mode: Mode;
  readonly doc: Doc;
}

const isCommand = (d: Doc): d is DocCommand => typeof d === "object" && d !== null && !Array.isArray(d);

/** Marks every group that contains a hard break (directly or through nested groups) as broken. */
export function propagateBreaks(doc: Doc): void {
  // Iterative post-order walk (expressions may nest hundreds of levels deep).
  interface Frame {
    readonly doc: Doc;
    readonly kids: readonly Doc[];
    next: number;
    found: boolean;
  }
  const stack: Frame[] = [{ doc, kids: childrenOfDoc(doc), next: 0, found: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next < top.kids.length) {
      const kid = top.kids[top.next++];
      if (typeof kid !== "string") stack.push({ doc: kid, kids: childrenOfDoc(kid), next: 0, found: false });
      continue;
    }
    stack.pop();
    let found = top.found;
    const d = top.doc;
    if (isCommand(d)) {
      if (d.type === "breakParent") found = true;
      else if (d.type === "group") {
        if (found) d.shouldBreak = true;
        found = d.shouldBreak;
      }
    }
    if (found && stack.length > 0) stack[stack.length - 1].found = true;
  }
}

function childrenOfDoc(d: Doc): readonly Doc[] {
  if (typeof d === "string") return [];
  if (Array.isArray(d)) return d as readonly Doc[];
  const c = d as DocCommand;
  switch (c.type) {
    case "group":
    case "indent":
    case "lineSuffix":
      return [c.contents];
    case "ifBreak":
      return [c.breakContents, c.flatContents];
    default:
      return [];
  }
}

const width = (s: string): number => {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff || i === 0 || s.charCodeAt(i - 1) < 0xd800 || s.charCodeAt(i - 1) > 0xdbff) n++;
  }
  return n;
};

/** Width of the last line of a verbatim text, or -1 when it has none (it is a single line). */
function lastLineWidth(s: string): number {
  const i = Math.max(s.lastIndexOf("\n"), s.lastIndexOf("\r"));
  return i < 0 ? -1 : width(s.slice(i + 1));
}

/**
 * Whether `next` fits in `room` columns, followed by the rest of the line from
 * `rest` (measured until the first line break that is certain to be taken).
 */
function fits(next: Command, rest: readonly Command[], room: number): boolean {
  let restIndex = rest.length;
  const cmds: { mode: Mode; doc: Doc }[] = [{ mode: next.mode, doc: next.doc }];
  while (room >= 0) {
    if (cmds.length === 0) {
      if (restIndex === 0) return true;
      const r = rest[--restIndex];
      cmds.push({ mode: r.mode, doc: r.doc });
      continue;
    }
    const { mode, doc } = cmds.pop()!;
    if (typeof doc === "string") {
      room -= width(doc);
      continue;
    }
    if (Array.isArray(doc)) {
      for (let i = doc.length - 1; i >= 0; i--) cmds.push({ mode, doc: doc[i] });
      continue;
    }
    const c = doc as DocCommand;
    switch (c.type) {
      case "verbatim": {
        const lastWidth = lastLineWidth(c.text);
        if (lastWidth >= 0) return true;
        room -= width(c.text);
        break;
      }
      case "indent":
        cmds.push({ mode, doc: c.contents });
        break;
      case "group": {
        cmds.push({ mode: c.shouldBreak ? BREAK : mode, doc: c.contents });
        break;
      }
      case "ifBreak":
        cmds.push({ mode, doc: mode === BREAK ? c.breakContents : c.flatContents });
        break;
      case "line":
        if (mode === BREAK || c.hard) return true;
        if (!c.soft) room -= 1;
        break;
      case "breakParent":
      case "lineSuffix":
        break;
    }
  }
  return false;
}

/** Lays `doc` out in `maxWidth` columns; lines are joined with `\n` and never end in spaces the printer added. */
export function printDoc(doc: Doc, maxWidth: number): string {
  propagateBreaks(doc);
  const out: { text: string; verbatim: boolean }[] = [];
  let pos = 0;
  const cmds: Command[] = [{ indent: 0, mode: BREAK, doc }];
  let suffixes: Command[] = [];
  /** Index in `out` of the line break a `mergingHardline` printed, while nothing has followed it. */
  let mergeable = -1;

  const emit = (text: string, isVerbatim: boolean): void => {
    if (!isVerbatim) {
      const last = out[out.length - 1];
      if (mergeable >= 0 && mergeable === out.length - 1) text = text.replace(/^ +/, "");
      else if (last !== undefined && !last.verbatim && last.text.endsWith(" ")) text = text.replace(/^ +/, " ").replace(/^ /, "");
    }
    if (text === "") return;
    mergeable = -1;
    out.push({ text, verbatim: isVerbatim });
    if (isVerbatim) {
      const lastWidth = lastLineWidth(text);
      pos = lastWidth >= 0 ? lastWidth : pos + width(text);
    } else pos += width(text);
  };
  const trimEnd = (): void => {
    while (out.length > 0) {
      const last = out[out.length - 1];
      if (last.verbatim) return;
      const trimmed = last.text.replace(/[ \t]+$/, "");
      if (trimmed.length > 0) {
        last.text = trimmed;
        return;
      }
      out.pop();
    }
  };

  /** Schedules the held-back suffixes to print next; one that ends its line is followed by a line break. */
  const flushSuffixes = (nextIndent: number): void => {
    for (let i = suffixes.length - 1; i >= 0; i--) {
      const c = suffixes[i];
      if (i < suffixes.length - 1 && isCommand(c.doc) && c.doc.type === "lineSuffix" && c.doc.endsLine) {
        cmds.push({ indent: nextIndent, mode: BREAK, doc: { type: "line", hard: true, soft: false, merge: true } });
      }
      cmds.push({ indent: c.indent, mode: c.mode, doc: isCommand(c.doc) && c.doc.type === "lineSuffix" ? c.doc.contents : c.doc });
    }
    suffixes = [];
  };

  for (;;) {
    const cmd = cmds.pop();
    if (!cmd) {
      if (suffixes.length === 0) break;
      flushSuffixes(0);
      continue;
    }
    const { indent: ind, mode, doc: d } = cmd;
    if (typeof d === "string") {
      emit(d, false);
      continue;
    }
    if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) cmds.push({ indent: ind, mode, doc: d[i] });
      continue;
    }
    const c = d as DocCommand;
    switch (c.type) {
      case "verbatim":
        if (c.endsLine && suffixes.length > 0) {
          cmds.push(cmd);
          const endsLine = suffixes.some((x) => isCommand(x.doc) && x.doc.type === "lineSuffix" && x.doc.endsLine);
          if (endsLine) cmds.push({ indent: ind, mode: BREAK, doc: { type: "line", hard: true, soft: false, merge: true } });
          flushSuffixes(ind);
          break;
        }
        emit(c.text, true);
        break;
      case "indent":
        cmds.push({ indent: ind + 2, mode, doc: c.contents });
        break;
      case "group": {
        if (mode === FLAT && !c.shouldBreak) {
          cmds.push({ indent: ind, mode: FLAT, doc: c.contents });
          break;
        }
        const flat: Command = { indent: ind, mode: FLAT, doc: c.contents };
        if (!c.shouldBreak && fits(flat, cmds, maxWidth - pos)) cmds.push(flat);
        else cmds.push({ indent: ind, mode: BREAK, doc: c.contents });
        break;
      }
      case "ifBreak":
        cmds.push({ indent: ind, mode, doc: mode === BREAK ? c.breakContents : c.flatContents });
        break;
      case "lineSuffix":
        suffixes.push({ indent: ind, mode, doc: c });
        break;
      case "breakParent":
        break;
      case "line":
        if (mode === FLAT && !c.hard) {
          if (!c.soft) emit(" ", false);
          break;
        }
        if (suffixes.length > 0) {
          cmds.push(cmd);
          flushSuffixes(ind);
          break;
        }
        if (mergeable >= 0 && mergeable === out.length - 1) {
          out[mergeable].text = "\n" + " ".repeat(ind);
        } else {
          trimEnd();
          out.push({ text: "\n" + " ".repeat(ind), verbatim: false });
        }
        mergeable = c.merge === true ? out.length - 1 : -1;
        pos = ind;
        break;
    }
  }
  trimEnd();
  return out.map((o) => o.text).join("");
}
