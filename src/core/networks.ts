// Address lists (shared by the login check and, later, the sync receiver white list): CIDR blocks (`10.0.0.0/8`, `fd00::/8`) or single addresses, matched
// with node:net's BlockList. A peer's IPv4 address may arrive as IPv4-mapped IPv6
// (`::ffff:10.0.0.5`, on a dual-stack listener); it is matched as the IPv4 address it is.
import { BlockList, isIP } from 'node:net';

export interface Networks {
  /** The blocks as configured, for messages. */
  readonly blocks: readonly string[];
  allows(remoteAddress: string): boolean;
}

/** Throws an Error naming the first entry that is not an address or a CIDR block. */
export function parseNetworks(entries: readonly string[]): Networks {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits, extra] = entry.trim().split('/');
    const family = isIP(address);
    const prefix = bits === undefined ? (family === 4 ? 32 : 128) : /^\d{1,3}$/.test(bits) ? Number(bits) : -1;
    if (family === 0 || extra !== undefined || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
      throw new Error(`${JSON.stringify(entry)} is not an IP address or CIDR block like 10.0.0.0/8`);
    }
    list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return {
    blocks: [...entries],
    allows: (remoteAddress) => {
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress);
      const plain = mapped === null ? remoteAddress : mapped[1];
      const family = isIP(plain);
      return family !== 0 && list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** Where `default` may connect from unless configured otherwise. */
export const LOOPBACK_NETWORKS: Networks = parseNetworks(['127.0.0.0/8', '::1']);
