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

/** The eight 16-bit groups of an IPv6 address (a dotted IPv4 tail counts as two), or undefined. */
function ipv6Groups(ip: string): number[] | undefined {
  if (isIP(ip) !== 6) return undefined;
  const [head = "", tail] = ip.toLowerCase().split("::");
  const parse = (part: string) =>
    part === ""
      ? []
      : part.split(":").flatMap((g) => {
          if (isIP(g) !== 4) return [parseInt(g, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = g.split(".").map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

const dotted = (hi: number, lo: number) => [hi >> 8, hi & 255, lo >> 8, lo & 255].join(".");

/**
 * The IPv4 address an IPv6 address reaches, where the form embeds one: IPv4-mapped
 * (`::ffff:a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64
 * (`64:ff9b::/96`, RFC 6052) and 6to4 (`2002::/16`, RFC 3056). Each is judged as that IPv4 address.
 */
function embeddedIpv4(ip: string): string | undefined {
  const g = ipv6Groups(ip);
  if (!g) return undefined;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (g[0] === 0x2002) return dotted(g[1]!, g[2]!);
  const last32 = dotted(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return last32;
  if (zeros(0, 5) && g[5] === 0xffff) return last32;
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return last32;
  // `::` and `::1` are IPv6's own; anything else with 96 zero bits embeds an IPv4 address.
  if (zeros(0, 6) && !(g[6] === 0 && g[7]! <= 1)) return last32;
  return undefined;
}

const RANK: Record<AddressClass, number> = { public: 0, private: 1, forbidden: 2 };

function classifyPlain(addr: string, family: "ipv4" | "ipv6"): AddressClass {
  if (forbidden.check(addr, family)) return "forbidden";
  if (privateRanges.check(addr, family)) return "private";
  return "public";
}

export function classifyAddress(ip: string): AddressClass {
  const bare = ip.replace(/^\[|\]$/g, "");
  if (isIP(bare) === 4) return classifyPlain(bare, "ipv4");
  const own = classifyPlain(bare, "ipv6");
  const v4 = embeddedIpv4(bare);
  // The stricter of the two: the address itself, and the IPv4 address it reaches.
  const reached = v4 ? classifyPlain(v4, "ipv4") : "public";
  return RANK[reached] > RANK[own] ? reached : own;
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
