/**
 * The policy hash (TOOLCHAIN.md "policyHash"): `sha256:` + hex SHA-256 over the policy
 * text and the text of every loaded manifest in `tools` order. Each part is framed by
 * its kind and its UTF-8 byte length, so no two different sequences of texts hash alike.
 */
import { createHash } from "node:crypto";

export function policyHash(policyText: string, manifestTexts: readonly string[]): string {
  const h = createHash("sha256");
  const part = (kind: string, text: string) => {
    const bytes = Buffer.from(text, "utf8");
    h.update(`${kind} ${bytes.length}\n`);
    h.update(bytes);
    h.update("\n");
  };
  part("agentpolicy", policyText);
  for (const t of manifestTexts) part("manifest", t);
  return `sha256:${h.digest("hex")}`;
}
