import { BlockList, isIP } from 'node:net';

/** Where a webhook may not connect: the machine itself, private networks, link-local (cloud metadata) and other special ranges. */
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  // ::/96 also covers :: and ::1 and the deprecated IPv4-compatible forms (::127.0.0.1); ::ffff:0:0:0/96 is
  // IPv4-translated (RFC 2765) and 2002::/16 is 6to4, both able to carry a private IPv4 address inside.
  ['::', 96],
  ['::ffff:0:0:0', 96],
  ['2002::', 16],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');

export class ForbiddenDestination extends Error {}

/**
 * Decides whether a webhook may connect to an address. The allow-list (WEBHOOK_ALLOWED_HOSTS) names
 * host names, addresses or CIDR ranges that may be reached although private; WEBHOOK_ALLOW_PRIVATE
 * lifts the rule altogether (development and tests).
 */
export class DestinationPolicy {
  private readonly allowedAddresses = new BlockList();
  private readonly allowedHostNames = new Set<string>();

  constructor(
    readonly allowPrivate: boolean,
    allowList: string[],
    readonly requireHttps: boolean,
  ) {
    for (const entry of allowList) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address);
      if (family === 0) this.allowedHostNames.add(entry.toLowerCase());
      else
        this.allowedAddresses.addSubnet(
          address,
          prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix),
          family === 4 ? 'ipv4' : 'ipv6',
        );
    }
  }

  /** Checks the parts of a URL that need no DNS: scheme, credentials, and the host when it is an address. */
  checkUrl(url: URL): void {
    if (url.protocol !== 'https:' && (this.requireHttps || url.protocol !== 'http:')) {
      throw new ForbiddenDestination(this.requireHttps ? 'the URL must use https' : 'the URL must use http or https');
    }
    if (url.username || url.password) throw new ForbiddenDestination('the URL must not contain credentials');
    const host = hostOf(url);
    if (isIP(host)) this.checkAddress(host, host);
  }

  /** Throws when `address` (what `hostName` resolved to) is one a webhook may not reach. */
  checkAddress(address: string, hostName: string): void {
    if (this.allowPrivate || this.allowedHostNames.has(hostName.toLowerCase())) return;
    const { plain, family } = unmapped(address);
    if (this.allowedAddresses.check(plain, family)) return;
    if (FORBIDDEN.check(plain, family) || (family === 'ipv6' && embeddedIpv4Forbidden(plain))) {
      throw new ForbiddenDestination(
        `${hostName} resolves to ${address}, a private, loopback, link-local or reserved address`,
      );
    }
  }
}

/** The host of a URL without the brackets of an IPv6 literal. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** ::ffff:127.0.0.1 is 127.0.0.1: IPv4-mapped addresses are judged as the IPv4 address they carry. */
function unmapped(address: string): { plain: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { plain: mapped[1], family: 'ipv4' };
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hexMapped) {
    const high = parseInt(hexMapped[1], 16);
    const low = parseInt(hexMapped[2], 16);
    return { plain: `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, family: 'ipv4' };
  }
  return { plain: address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** NAT64 (64:ff9b::/96) carries an IPv4 address in its last 32 bits: judge that address. */
function embeddedIpv4Forbidden(address: string): boolean {
  const nat64 =
    /^64:ff9b::([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address) ?? /^64:ff9b::(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (!nat64) return false;
  const ipv4 =
    nat64.length === 2
      ? nat64[1]
      : (() => {
          const high = parseInt(nat64[1], 16);
          const low = parseInt(nat64[2], 16);
          return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
        })();
  return FORBIDDEN.check(ipv4, 'ipv4');
}
