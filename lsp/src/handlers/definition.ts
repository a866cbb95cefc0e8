/**
 * Go to definition: consts, labels, agents, aliases (their `tools` line), rule ids (the
 * rule), lambda parameters, `context` fields; a tool to its entry in its manifest file;
 * an `args` field to its property in the manifest; a manifest path to the file.
 */
import type { Span } from "@agentpolicy/compiler";
import type { DefinitionParams, Location } from "vscode-languageserver";
import { pathToUri, toLocation } from "../convert.js";
import { fieldsNamed } from "../members.js";
import type { Snapshot } from "../snapshot.js";
import { idAnnotation, ruleById, symbolAt } from "../symbols.js";

export function handleDefinition(snapshot: Snapshot, params: DefinitionParams): Location[] {
  const offset = snapshot.lines.offset(params.position);
  const found = symbolAt(snapshot, offset);
  if (!found) return [];
  const model = snapshot.checked.model;
  const here = (span: Span | undefined): Location[] => {
    if (!span) return [];
    const loc = toLocation(snapshot.file, span, snapshot.files);
    return loc ? [loc] : [];
  };
  const s = found.symbol;
  switch (s.kind) {
    case "const":
      return here(model.consts.get(s.name)?.decl.name.span);
    case "label":
      return here(model.labels.get(s.name)?.decl.name.span);
    case "agent":
      return here(model.agents.get(s.id)?.decl.id.span);
    case "alias":
      return here(model.aliases.get(s.alias)?.decl.span);
    case "rule": {
      const r = ruleById(model, s.id);
      if (!r) return [];
      return here(idAnnotation(r.decl)?.value.span ?? r.decl.span);
    }
    case "lambda-param":
      return here(s.param.span);
    case "context-field":
      return here(s.decl.name.span);
    case "tool": {
      const tool = model.tools.get(s.qualified);
      if (!tool || !tool.source.file) return [];
      const loc = toLocation(tool.source.file, tool.source.nameSpan, snapshot.files);
      return loc ? [loc] : [];
    }
    case "field": {
      const out: Location[] = [];
      for (const f of fieldsNamed(s.resolution.owner, s.resolution.name)) {
        const loc = f.source ? toLocation(f.source.file, f.source.span, snapshot.files) : null;
        if (loc) out.push(loc);
      }
      return out;
    }
    case "manifest": {
      const a = model.aliases.get(s.decl.alias?.name);
      const file = a?.manifest?.file;
      return file ? [{ uri: pathToUri(file), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }] : [];
    }
    case "root":
      return [];
  }
}
