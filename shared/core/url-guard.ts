/**
 * Which URLs the gateway may call (agents, cards, webhooks). SSRF defence, SPEC §6: http(s) only;
 * never link-local or cloud metadata addresses; loopback and private ranges only when allowed.
 * Literal IPs are checked here; names are checked on the address they resolve to, at connect time,
 * by `guardedLookup`, so DNS rebinding and redirects cannot sneak past.
 */
import { BlockList, isIP } from "node:net";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BadRequestError } from "../errors.ts";

export type AddressClass = "public" | "private" | "forbidden";

const forbidden = new BlockList();
forbidden.addSubnet("169.254.0.0", 16, "ipv4"); // link-local, incl. 169.254.169.254 metadata
forbidden.addSubnet("224.0.0.0", 4, "ipv4"); // multicast
forbidden.addSubnet("240.0.0.0", 4, "ipv4"); // reserved, broadcast
forbidden.addAddress("fd00:ec2::254", "ipv6"); // EC2 metadata over IPv6
forbidden.addSubnet("fe80::", 10, "ipv6"); // link-local
forbidden.addSubnet("ff00::", 8, "ipv6"); // multicast

const privateRanges = new BlockList();
privateRanges.addSubnet("0.0.0.0", 8, "ipv4"); // "this host": reaches loopback on Linux
privateRanges.addSubnet("127.0.0.0", 8, "ipv4");
privateRanges.addSubnet("10.0.0.0", 8, "ipv4");
privateRanges.addSubnet("172.16.0.0", 12, "ipv4");
privateRanges.addSubnet("192.168.0.0", 16, "ipv4");
privateRanges.addSubnet("100.64.0.0", 10, "ipv4"); // carrier-grade NAT
privateRanges.addSubnet("198.18.0.0", 15, "ipv4"); // benchmarking
privateRanges.addAddress("::1", "ipv6");
privateRanges.addAddress("::", "ipv6");
privateRanges.addSubnet("fc00::", 7, "ipv6"); // unique local

/** An IPv4 address hidden in IPv6 (`::ffff:a9fe:a9fe`, `::ffff:169.254.169.254`) is judged as IPv4. */
function embeddedIpv4(ip: string): string | undefined {
  const m = /^(?:0*:)*:?(?:0*:)*ffff:(.+)$/i.exec(ip) ?? /^::(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (!m?.[1]) return undefined;
  const tail = m[1];
  if (isIP(tail) === 4) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(tail);
  if (!hex?.[1] || !hex[2]) return undefined;
  const hi = parseInt(hex[1], 16);
  const lo = parseInt(hex[2], 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join(".");
}

export function classifyAddress(ip: string): AddressClass {
  const bare = ip.replace(/^\[|\]$/g, "");
  const v4 = isIP(bare) === 6 ? embeddedIpv4(bare) : undefined;
  const [addr, family] = v4 ? [v4, "ipv4" as const] : [bare, isIP(bare) === 4 ? ("ipv4" as const) : ("ipv6" as const)];
  if (forbidden.check(addr, family)) return "forbidden";
  if (privateRanges.check(addr, family)) return "private";
  return "public";
}

/** Why an address may not be called, or undefined when it may. */
export function addressRefusal(ip: string, allowPrivate: boolean): string | undefined {
  const cls = classifyAddress(ip);
  if (cls === "forbidden") return "link-local and metadata addresses are never allowed";
  if (cls === "private" && !allowPrivate) return "private and loopback addresses are not allowed";
  return undefined;
}

/**
 * Checks a URL's form before it is stored or called: scheme, credentials, and the host when it is
 * an IP literal (names are checked when they resolve). Throws BadRequestError naming `param`.
 */
export function assertCallableUrl(raw: string, allowPrivate: boolean, param = "url"): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BadRequestError(`${param} is not a valid URL`, param);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new BadRequestError(`${param} must use http or https, not ${url.protocol.replace(/:$/, "")}`, param);
  if (url.username || url.password) throw new BadRequestError(`${param} must not contain credentials`, param);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const refusal = isIP(host) ? addressRefusal(host, allowPrivate) : hostnameRefusal(host, allowPrivate);
  if (refusal) throw new BadRequestError(`${param} is not allowed: ${refusal}`, param);
  return url;
}

function hostnameRefusal(host: string, allowPrivate: boolean): string | undefined {
  const h = host.toLowerCase().replace(/\.$/, "");
  if (h === "metadata.google.internal" || h === "metadata") return "link-local and metadata addresses are never allowed";
  if (!allowPrivate && (h === "localhost" || h.endsWith(".localhost")))
    return "private and loopback addresses are not allowed";
  return undefined;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export type Resolver = (hostname: string, options: { all: true; family?: number }, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/**
 * A `lookup` for node:http that refuses to connect to a forbidden address, whatever the name.
 * `resolve` is the system resolver; tests pass their own to play DNS rebinding offline.
 */
export function guardedLookup(allowPrivate: boolean, resolve: Resolver = dnsLookup as unknown as Resolver) {
  return (hostname: string, options: { all?: boolean; family?: number } | number, callback: LookupCallback) => {
    const opts = typeof options === "number" ? { family: options } : options;
    resolve(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      for (const { address } of addresses) {
        const refusal = addressRefusal(address, allowPrivate);
        if (refusal) {
          const e: NodeJS.ErrnoException = new Error(`${hostname} resolves to a refused address: ${refusal}`);
          e.code = "EADDRREFUSED_BY_GUARD";
          return callback(e, []);
        }
      }
      if (opts.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), []);
      callback(null, first.address, first.family);
    });
  };
}
