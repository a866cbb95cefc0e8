/**
 * Test support for the commands that keep limits (`hook --state`, `--redis`): one small policy
 * with a limit and a session label, and its manifest. Not part of the public API.
 *
 *   agent "a" { allow t.read; allow t.send; deny t.send when session.has(seen); review t.pay;
 *               @id("reads") limit t.read to 3 calls per hour; @id("pays") limit t.pay to 1 calls per hour }
 *   label seen on t.read
 */

/** The manifest `./t.json` of `LIMITED_POLICY`, as JSON text. */
export const LIMITED_MANIFEST = JSON.stringify({
  tools: [
    { name: "read", inputSchema: { type: "object", properties: { n: { type: "integer" } } }, annotations: { readOnlyHint: true } },
    { name: "send", inputSchema: { type: "object", properties: {} }, annotations: { readOnlyHint: false } },
    { name: "pay", inputSchema: { type: "object", properties: { amount: { type: "integer" } } }, annotations: { readOnlyHint: false } },
  ],
});

export const LIMITED_POLICY = `policy p
tools t from "./t.json"
label seen on t.read
agent "a" {
  allow t.read
  allow t.send
  deny t.send when session.has(seen) because "seen"
  review t.pay because "payments need a human"
  @id("reads") limit t.read to 3 calls per hour
  @id("pays") limit t.pay to 1 calls per hour
}
`;
