import { list } from '../../model/fields';

/*
 * IPv4 CIDRs. The packages in node_modules (cidr-regex, is-cidr) only recognise notation, and
 * containment is a mask compare: not worth a dependency.
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
