/**
 * `extends` (LANGUAGE.md §4, §12 "Agents"): parents must be declared (E_UNKNOWN_NAME),
 * may refer forward and may be several; a cycle is one E_CYCLE, reported at the agent
 * of the cycle declared first. Ancestors are transitive, nearest first (breadth-first),
 * each once, never the agent itself.
 */
import { Messages } from "../../diagnostics/messages.js";
import type * as ast from "../../syntax/ast.js";
import type { Binder } from "../binder.js";
import type { CheckContext } from "../check-context.js";
import { resolveAgentReference } from "./agent-references.js";

/** Checks every `extends` and returns each declared agent's ancestors. */
export function checkAgentExtends(cx: CheckContext, binder: Binder): Map<string, string[]> {
  const parents = new Map<string, string[]>();
  for (const [id, decl] of binder.agents) {
    const ps: string[] = [];
    for (const ref of decl.extends ?? []) if (resolveAgentReference(cx, binder, ref) && !ps.includes(ref.value)) ps.push(ref.value);
    parents.set(id, ps);
  }
  // Duplicate agent blocks (reported elsewhere) still have their `extends` resolved.
  for (const decl of binder.decls.agents) {
    if (binder.agents.get(decl.id?.value) === decl) continue;
    for (const ref of decl.extends ?? []) resolveAgentReference(cx, binder, ref);
  }
  reportCycles(cx, binder, parents);
  const ancestors = new Map<string, string[]>();
  for (const id of binder.agents.keys()) {
    const seen = new Set<string>([id]);
    const order: string[] = [];
    const queue = [...(parents.get(id) ?? [])];
    for (let i = 0; i < queue.length; i++) {
      const p = queue[i];
      if (seen.has(p)) continue;
      seen.add(p);
      order.push(p);
      for (const q of parents.get(p) ?? []) if (!seen.has(q)) queue.push(q);
    }
    ancestors.set(id, order);
  }
  return ancestors;
}

/** Tarjan's strongly connected components (iterative); one report per cyclic component. */
function reportCycles(cx: CheckContext, binder: Binder, parents: Map<string, string[]>): void {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  let next = 0;
  const components: string[][] = [];
  for (const root of parents.keys()) {
    if (index.has(root)) continue;
    const work: { node: string; child: number }[] = [{ node: root, child: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1];
      const kids = parents.get(frame.node) ?? [];
      if (frame.child < kids.length) {
        const k = kids[frame.child++];
        if (!index.has(k)) {
          index.set(k, next);
          low.set(k, next++);
          stack.push(k);
          onStack.add(k);
          work.push({ node: k, child: 0 });
        } else if (onStack.has(k)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(k)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const comp: string[] = [];
        let x: string;
        do {
          x = stack.pop()!;
          onStack.delete(x);
          comp.push(x);
        } while (x !== frame.node);
        const selfLoop = comp.length === 1 && (parents.get(comp[0]) ?? []).includes(comp[0]);
        if (comp.length > 1 || selfLoop) components.push(comp);
      }
    }
  }
  for (const comp of components) {
    const decls = comp.map((id) => binder.agents.get(id)!).sort((a, b) => a.span.start - b.span.start);
    const head = decls[0];
    const path = cyclePath(head.id.value, new Set(comp), parents);
    const at = head.extends.find((r) => path.length > 1 && r.value === path[1]) ?? head.id;
    const related = decls.slice(1).map((d: ast.AgentDecl) => cx.related(d.id.span, `\`${d.id.value}\` is declared here`));
    const shown = path.map((p) => `"${p}"`).join(" → ");
    cx.report(Messages.Cycle, at.span, [`\`extends\` forms a cycle: ${shown}`], { related });
  }
}

/** A cycle through `start` inside its component: start → ... → start. */
function cyclePath(start: string, comp: Set<string>, parents: Map<string, string[]>): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const x = queue[i];
    for (const p of parents.get(x) ?? []) {
      if (!comp.has(p)) continue;
      if (p === start) {
        const path = [start];
        for (let y = x; y !== start; y = prev.get(y)!) path.splice(1, 0, y);
        path.push(start);
        return path;
      }
      if (!prev.has(p)) {
        prev.set(p, x);
        queue.push(p);
      }
    }
  }
  return [start, start];
}
