/**
 * A TCP proxy in front of a test Redis that can wedge its connections: `silence()` makes every
 * connection open at that moment swallow what either side sends while staying open (a half-open
 * socket, as after a NAT drop or a failover that never sent a reset). Connections made later pass,
 * unless `acceptAtMost` connections were accepted already: later ones are dropped at once.
 */

import { connect, createServer } from "node:net";
import type { Server, Socket } from "node:net";

export interface SilentProxy {
  readonly url: string;
  /** Wedges the connections open now; returns how many. */
  silence(): number;
  /** How many connections the proxy has accepted. */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function startSilentProxy(targetPort: number, options: { readonly acceptAtMost?: number } = {}): Promise<SilentProxy> {
  const live = new Set<{ client: Socket; upstream: Socket; silent: boolean }>();
  let accepted = 0;
  const server: Server = createServer((client) => {
    if (accepted >= (options.acceptAtMost ?? Number.POSITIVE_INFINITY)) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = connect(targetPort, "127.0.0.1");
    const link = { client, upstream, silent: false };
    live.add(link);
    client.on("data", (chunk) => {
      if (!link.silent) upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (!link.silent) client.write(chunk);
    });
    const end = () => {
      live.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    silence() {
      for (const link of live) link.silent = true;
      return live.size;
    },
    get accepted() {
      return accepted;
    },
    async close() {
      for (const link of live) {
        link.client.destroy();
        link.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
