/**
 * A generated, valid policy of roughly `lines` lines that exercises every declaration
 * form: for the size sanity test and the one-off timing script.
 */
export function generatePolicy(lines: number): string {
  const out: string[] = [
    "/// Generated policy.",
    'policy generated version "1.0.0"',
    'tools inv from "./inventory.tools.json"',
    'tools gh from "./github.tools.json"',
    "context {",
    '  user: { id: string, role: "viewer" | "buyer" | "admin" }',
    "  tenant: string",
    "  tags?: [string]",
    "}",
    'price model "gpt-x" input $2.50 output $10 per 1M tokens',
  ];
  for (let i = 0; out.length < lines; i++) {
    out.push(
      `const limit_${i} = ${i} * 2 + 1`,
      `label pii_${i} on inv.get_${i}, gh.\`list-${i}\``,
      `cost inv.search_${i} = $0.0${i % 10}5 per call`,
      "",
      `/// Agent number ${i}.`,
      `agent "agent-${i}" extends "agent-${i + 1}" {`,
      `  @id("rule-${i}") @owner("team-${i % 7}")`,
      `  allow inv.search_${i}, inv.get_${i} when args.qty * args.unit_price <= 5_000 and ctx.user.role in ["buyer", "admin"]`,
      `  deny gh.* when session.has(pii_${i}) and not (args.to ?? []).all(a => a.endsWith("@corp.example.com")) because "no leaks"`,
      `  review inv.create_${i} when args has rows and args.rows > limit_${i} unless ctx.user.role == "admin"`,
      `  limit inv.search_${i} to 60 calls per minute by ctx.user.id`,
      `  limit tokens to 200_000 per 5 hours`,
      `  limit cost to $25.50 per session by session.id`,
      `  limit repeats to 3`,
      "}",
      `invariant readers_${i}: agent "agent-${i}" inv.create_${i} when -args.qty < 0 => deny | review`,
      `test "case ${i}" {`,
      `  expect agent "agent-${i}" calls inv.get_${i}({ sku: "A-${i}", qty: ${i} }) with { user: { id: "u${i}", role: "viewer" }, tenant: "t" } => allow "rule-${i}"`,
      "}",
      "",
    );
  }
  return out.join("\n");
}
