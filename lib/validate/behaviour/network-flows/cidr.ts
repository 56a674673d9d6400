import { isIPv6 } from 'net';
import { list } from '../../model/fields';

/*
 * IPv4 CIDRs (and, for the API server's ipBlock check, IPv6 ones). The packages in node_modules
 * (cidr-regex, is-cidr) only recognise notation, and containment is a mask compare: not worth a dependency.
 */

/** An IPv4 address as an unsigned 32-bit number, or undefined when `text` is not one. */
export function parseIPv4(text: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((value, octet) => value * 256 + octet, 0);
}

/** Whether the IPv4 `address` is inside `cidr` (`a.b.c.d/n`; a bare address is a /32). IPv6 never matches. */
export function ipv4InCidr(address: string, cidr: string): boolean {
  const [base, bitsText = '32'] = cidr.split('/');
  const ip = parseIPv4(address);
  const network = parseIPv4(base);
  const bits = /^\d{1,2}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (ip === undefined || network === undefined || !(bits >= 0 && bits <= 32)) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(ip / size) === Math.floor(network / size);
}

/** Whether a NetworkPolicy `ipBlock` (cidr minus except) holds `address`. */
export function ipBlockHolds(block: any, address: string): boolean {
  return typeof block?.cidr === 'string' && ipv4InCidr(address, block.cidr)
    && !list(block.except).some((e) => typeof e === 'string' && ipv4InCidr(address, e));
}

/** An IPv6 address as a 128-bit number, or undefined when `text` is not one (an embedded IPv4 tail is understood). */
function parseIPv6(text: string): bigint | undefined {
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let groups = text;
  const tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(groups);
  if (tail) {
    const v4 = parseIPv4(tail[1]);
    if (v4 === undefined) return undefined;
    groups = `${groups.slice(0, -tail[1].length)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const [head, rest] = groups.split('::');
  const left = head ? head.split(':') : [];
  const right = rest === undefined ? [] : rest ? rest.split(':') : [];
  const all = rest === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((value, group) => value * 65536n + BigInt(parseInt(group, 16)), 0n);
}

/** A CIDR as family, prefix length and network (host bits cleared, as `net.ParseCIDR` returns it); undefined when invalid. */
export function parseCidr(text: string): { family: 4 | 6; bits: number; network: bigint } | undefined {
  const [address, bitsText, ...rest] = text.split('/');
  if (rest.length > 0 || bitsText === undefined || !/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  const v4 = parseIPv4(address);
  const [family, width, ip] = v4 !== undefined ? [4 as const, 32, BigInt(v4)] : [6 as const, 128, parseIPv6(address)];
  if (ip === undefined || bits > width) return undefined;
  const hostBits = BigInt(width - bits);
  return { family, bits, network: (ip >> hostBits) << hostBits };
}

/**
 * Whether `inner` is a strict subset of `outer` (same family, a longer prefix, inside it): what the
 * API server requires of each `except` entry of a NetworkPolicy ipBlock. False when either is invalid.
 */
export function isStrictSubnet(inner: string, outer: string): boolean {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  if (!a || !b || a.family !== b.family || a.bits <= b.bits) return false;
  const hostBits = BigInt((a.family === 4 ? 32 : 128) - b.bits);
  return (a.network >> hostBits) === (b.network >> hostBits);
}
