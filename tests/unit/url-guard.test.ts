/**
 * The URL guard (SPEC §6): which addresses the gateway will call. Names are judged by the address
 * they resolve to when the connection is made, so DNS rebinding gets nowhere.
 */
import { describe, expect, it } from "vitest";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpUpstream } from "../../shared/adapters/upstream.ts";
import { assertCallableUrl, classifyAddress, type Resolver } from "../../shared/core/url-guard.ts";
import { UpstreamError } from "../../shared/errors.ts";

describe("addresses", () => {
  const table: [string, "public" | "private" | "forbidden"][] = [
    ["169.254.169.254", "forbidden"],
    ["169.254.0.1", "forbidden"],
    ["fd00:ec2::254", "forbidden"],
    ["::ffff:169.254.169.254", "forbidden"],
    ["::ffff:a9fe:a9fe", "forbidden"],
    ["fe80::1", "forbidden"],
    ["224.0.0.1", "forbidden"],
    ["255.255.255.255", "forbidden"],
    ["127.0.0.1", "private"],
    ["0.0.0.0", "private"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["::1", "private"],
    ["fc00::1", "private"],
    ["::ffff:127.0.0.1", "private"],
    ["8.8.8.8", "public"],
    ["2001:4860:4860::8888", "public"],
    // IPv6 forms that embed an IPv4 address are judged by the address they reach (issue 13).
    ["64:ff9b::169.254.169.254", "forbidden"],
    ["64:ff9b::a9fe:a9fe", "forbidden"],
    ["64:ff9b::7f00:1", "private"],
    ["64:ff9b::808:808", "public"],
    ["2002:a9fe:a9fe::", "forbidden"],
    ["2002:a9fe:a9fe:1::1", "forbidden"],
    ["2002:0a00:0001::", "private"],
    ["2002:808:808::1", "public"],
    ["::169.254.169.254", "forbidden"],
    ["::a9fe:a9fe", "forbidden"],
    ["::ffff:0:169.254.169.254", "forbidden"],
    ["::ffff:0:a9fe:a9fe", "forbidden"],
    ["0:0:0:0:0:ffff:169.254.169.254", "forbidden"],
    ["::ffff:0:7f00:1", "private"],
  ];
  for (const [ip, cls] of table) it(`${ip} is ${cls}`, () => expect(classifyAddress(ip)).toBe(cls));
});

describe("URLs", () => {
  const refused: [string, boolean, RegExp][] = [
    ["file:///etc/passwd", true, /http or https/],
    ["gopher://127.0.0.1:70/", true, /http or https/],
    ["ftp://example.com/", true, /http or https/],
    ["http://user:pw@example.com/", true, /credentials/],
    ["http://169.254.169.254/latest/meta-data/", true, /never allowed/],
    ["http://[fd00:ec2::254]/", true, /never allowed/],
    ["http://[::ffff:169.254.169.254]/", true, /never allowed/],
    ["http://[64:ff9b::169.254.169.254]/", true, /never allowed/],
    ["http://[2002:a9fe:a9fe::1]/", true, /never allowed/],
    ["http://[::169.254.169.254]/", true, /never allowed/],
    ["http://[::ffff:0:169.254.169.254]/", true, /never allowed/],
    ["http://[64:ff9b::127.0.0.1]/", false, /not allowed/],
    ["http://0xA9FEA9FE/", true, /never allowed/],
    ["http://2852039166/", true, /never allowed/],
    ["http://metadata.google.internal/", true, /never allowed/],
    ["http://127.0.0.1:8080/", false, /not allowed/],
    ["http://localhost:8080/", false, /not allowed/],
    ["http://10.0.0.5/", false, /not allowed/],
    ["not a url", true, /not a valid URL/],
  ];
  for (const [url, allowPrivate, message] of refused) {
    it(`refuses ${url}${allowPrivate ? "" : " when private URLs are off"}`, () => {
      expect(() => assertCallableUrl(url, allowPrivate)).toThrow(message);
    });
  }
  it("accepts public and (when allowed) private http(s) URLs", () => {
    expect(assertCallableUrl("https://agent.example.com/a2a", false).host).toBe("agent.example.com");
    expect(assertCallableUrl("http://127.0.0.1:9100/", true).port).toBe("9100");
  });
});

describe("DNS names, judged on the address they resolve to", () => {
  /** A resolver that answers from a table, as a rebinding attacker's DNS would. */
  const resolver =
    (table: Record<string, string>): Resolver =>
    (hostname, _options, callback) => {
      const address = table[hostname];
      if (!address) return callback(Object.assign(new Error("not found"), { code: "ENOTFOUND" }), []);
      callback(null, [{ address, family: address.includes(":") ? 6 : 4 }]);
    };

  it("will not connect to a name that resolves to the metadata address", async () => {
    const upstream = new HttpUpstream(true, resolver({ "innocent.example": "169.254.169.254" }));
    const error = await upstream.post({ urls: ["http://innocent.example/"], headers: {}, body: "{}", timeoutMs: 2_000 }).catch((e) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.failure).toBe("unreachable");
    expect(String(error.cause?.message)).toMatch(/refused address/);
  });

  it("will not connect to a name that resolves to a private address when private URLs are off", async () => {
    const upstream = new HttpUpstream(false, resolver({ "inside.example": "10.0.0.7" }));
    const error = await upstream.post({ urls: ["http://inside.example/"], headers: {}, body: "{}", timeoutMs: 2_000 }).catch((e) => e);
    expect(error.failure).toBe("unreachable");
  });

  it("connects when the name resolves to an allowed address", async () => {
    const server = createServer((_req, res) => res.end(JSON.stringify({ jsonrpc: "2.0", id: 1, result: {} })));
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    try {
      const port = (server.address() as AddressInfo).port;
      const upstream = new HttpUpstream(true, resolver({ "agent.test": "127.0.0.1" }));
      const reply = await upstream.post({ urls: [`http://agent.test:${port}/`], headers: {}, body: "{}", timeoutMs: 2_000 });
      expect(reply).toMatchObject({ kind: "json", status: 200 });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
