// Classification of the addresses an outbound fetch (audio_url, webhook) may reach. Everything but
// the public unicast internet is refused unless an operator allow-lists the host or a CIDR, so a
// customer cannot make the gateway read the cloud metadata endpoint, the cluster or itself.
import { isIP } from 'node:net';

export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'cgnat'
  | 'link_local'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'unique_local'
  | 'ipv4_mapped'
  | 'ipv4_translated'
  | 'invalid';

interface Range {
  base: bigint;
  bits: number;
  cls: AddressClass;
}

function v4ToBig(ip: string): bigint | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function v6ToBig(input: string): bigint | undefined {
  let ip = input.replace(/^\[|\]$/g, '');
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  // An embedded dotted IPv4 tail becomes two hex groups.
  const lastColon = ip.lastIndexOf(':');
  const tail = ip.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = v4ToBig(tail);
    if (v4 === undefined) return undefined;
    ip = `${ip.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = ip.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

/** An address as a number and its width (32 or 128 bits); undefined when it is not an IP. */
export function parseIp(ip: string): { value: bigint; bits: 32 | 128 } | undefined {
  const family = isIP(ip.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  if (family === 4) {
    const value = v4ToBig(ip);
    return value === undefined ? undefined : { value, bits: 32 };
  }
  if (family === 6) {
    const value = v6ToBig(ip);
    return value === undefined ? undefined : { value, bits: 128 };
  }
  return undefined;
}

function range(cidr: string, cls: AddressClass): Range {
  const [addr, bits] = cidr.split('/') as [string, string];
  const parsed = parseIp(addr)!;
  return { base: parsed.value, bits: Number(bits), cls };
}

function inRange(value: bigint, width: number, base: bigint, bits: number): boolean {
  const shift = BigInt(width - bits);
  return value >> shift === base >> shift;
}

const V4_RANGES: Range[] = [
  range('0.0.0.0/8', 'unspecified'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'cgnat'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link_local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'reserved'),
  range('192.0.2.0/24', 'documentation'),
  range('192.88.99.0/24', 'reserved'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'reserved'),
  range('198.51.100.0/24', 'documentation'),
  range('203.0.113.0/24', 'documentation'),
  range('224.0.0.0/4', 'multicast'),
  range('255.255.255.255/32', 'broadcast'),
  range('240.0.0.0/4', 'reserved'),
];

const V6_RANGES: Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('::ffff:0:0/96', 'ipv4_mapped'),
  range('::/96', 'ipv4_mapped'), // deprecated IPv4-compatible addresses
  range('64:ff9b::/96', 'ipv4_translated'),
  range('64:ff9b:1::/48', 'ipv4_translated'),
  range('100::/64', 'reserved'),
  range('2001:db8::/32', 'documentation'),
  range('2002::/16', 'reserved'), // 6to4 can tunnel to any IPv4 address
  range('2001::/32', 'reserved'), // Teredo, likewise
  range('fc00::/7', 'unique_local'),
  range('fe80::/10', 'link_local'),
  range('fec0::/10', 'link_local'),
  range('ff00::/8', 'multicast'),
];

/** What kind of address this is; only 'public' may be fetched without an allow-list entry. */
export function classifyAddress(ip: string): AddressClass {
  const parsed = parseIp(ip);
  if (!parsed) return 'invalid';
  const ranges = parsed.bits === 32 ? V4_RANGES : V6_RANGES;
  for (const r of ranges) if (inRange(parsed.value, parsed.bits, r.base, r.bits)) return r.cls;
  if (parsed.bits === 128 && !inRange(parsed.value, 128, BigInt(0x2000) << 112n, 3)) return 'reserved'; // outside 2000::/3 global unicast
  return 'public';
}

export interface AllowList {
  /** Hostnames (exact) and domains (".example.com" matches its subdomains). */
  hosts: string[];
  cidrs: Array<{ base: bigint; bits: number; width: 32 | 128 }>;
}

/** Parses the AUDIO_URL_ALLOWLIST entries: IPs, CIDRs, hostnames and ".domain" suffixes. */
export function parseAllowList(entries: string[]): AllowList {
  const list: AllowList = { hosts: [], cidrs: [] };
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    const [addr, bitsText] = entry.split('/') as [string, string | undefined];
    const ip = parseIp(addr);
    if (ip) {
      const bits = bitsText === undefined ? ip.bits : Number(bitsText);
      if (!Number.isInteger(bits) || bits < 0 || bits > ip.bits) throw new Error(`invalid CIDR in allow-list: ${raw}`);
      list.cidrs.push({ base: ip.value, bits, width: ip.bits });
    } else {
      list.hosts.push(entry);
    }
  }
  return list;
}

export function hostAllowed(list: AllowList, hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return list.hosts.some((entry) => (entry.startsWith('.') ? h.endsWith(entry) || h === entry.slice(1) : h === entry));
}

export function addressAllowed(list: AllowList, ip: string): boolean {
  const parsed = parseIp(ip);
  if (!parsed) return false;
  return list.cidrs.some((c) => c.width === parsed.bits && inRange(parsed.value, parsed.bits, c.base, c.bits));
}

/**
 * Why a connection to `ip` (resolved from `hostname`) must be refused, or undefined when it may
 * go ahead: public addresses always, others only when the host or the address is allow-listed.
 */
export function refusalFor(list: AllowList, hostname: string, ip: string): string | undefined {
  const cls = classifyAddress(ip);
  if (cls === 'public') return undefined;
  if (hostAllowed(list, hostname) || addressAllowed(list, ip)) return undefined;
  return `${hostname} resolves to a ${cls.replace(/_/g, ' ')} address (${ip}), which is not allowed`;
}
