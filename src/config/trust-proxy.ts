import { isIP } from 'node:net';
import type { Config, Findings } from './types';

// proxy-addr's names for address ranges, as Express's `trust proxy` takes them.
const RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];
const ACCEPTED = `a hop count, false, IP addresses or CIDRs, or ${RANGE_NAMES.join(', ')}`;

/**
 * Express's `trust proxy` from TRUST_PROXY. `true` (or a CIDR covering every address) trusts
 * every X-Forwarded-For hop, so any client could choose its IP and with it its per-IP rate
 * limits: production refuses it, development keeps it with a warning (a laptop behind a tunnel
 * has nothing to protect). Anything Express would throw on at start-up is refused here, in one
 * line, instead of a stack trace.
 */
export function trustProxyFrom(raw: string | undefined, f: Findings): Config['trustProxy'] {
  if (raw === undefined) return undefined;
  if (raw === 'false') return false;
  if (/^\d+$/.test(raw)) return Number(raw);
  const entries = raw === 'true' ? [] : raw.split(',').map((x) => x.trim());
  const bad = entries.find((x) => !RANGE_NAMES.includes(x) && !isAddressOrCidr(x));
  if (bad !== undefined) {
    f.problems.push(`TRUST_PROXY: "${bad}" is not ${ACCEPTED}`);
    return false;
  }
  if (raw === 'true' || entries.some(coversEveryAddress)) {
    if (f.production) {
      f.problems.push(
        `TRUST_PROXY: "${raw}" trusts every X-Forwarded-For hop, so any client could choose its IP (and escape per-IP rate limits); set ${ACCEPTED} of your balancer`,
      );
      return false;
    }
    f.warnings.push(
      `TRUST_PROXY is ${raw}: any client can choose its IP with X-Forwarded-For (and escape per-IP rate limits); refused in production`,
    );
    return raw === 'true' ? true : entries.join(',');
  }
  return entries.join(',');
}

function isAddressOrCidr(entry: string): boolean {
  const [address = '', bits, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  if (/^\d+$/.test(bits)) return Number(bits) <= (version === 4 ? 32 : 128);
  // IPv4 also takes a netmask (10.0.0.0/255.0.0.0).
  return version === 4 && isIP(bits) === 4;
}

function coversEveryAddress(entry: string): boolean {
  const bits = entry.split('/')[1];
  return bits !== undefined && (bits === '0' || bits === '0.0.0.0');
}
