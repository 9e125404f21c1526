import { newestFirst, type ListedDevice } from './session-index';

export interface DevicePage {
  devices: ListedDevice[];
  /** Where the next page starts; undefined on the last page. */
  next: string | undefined;
}

/**
 * One page of a user's devices, newest first. The cursor names the last device shown (its
 * creation time and handle), not a position, so sessions that start or end between two pages
 * neither repeat nor skip one that was there all along. Undefined: a cursor we never made.
 */
export function pageOf(
  devices: readonly ListedDevice[],
  size: number,
  cursor: string | undefined,
): DevicePage | undefined {
  let rest = [...devices].sort(newestFirst);
  if (cursor !== undefined) {
    const after = parseCursor(cursor);
    if (!after) return undefined;
    rest = rest.filter((d) => newestFirst(after, d) < 0);
  }
  const devicesOnPage = rest.slice(0, size);
  const last = devicesOnPage[devicesOnPage.length - 1];
  return {
    devices: devicesOnPage,
    next: rest.length > size && last ? cursorOf(last) : undefined,
  };
}

function cursorOf(device: ListedDevice): string {
  return Buffer.from(JSON.stringify([device.createdAt, device.handle])).toString('base64url');
}

function parseCursor(cursor: string): ListedDevice | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      Number.isSafeInteger(parsed[0]) &&
      typeof parsed[1] === 'string'
    ) {
      const [createdAt, handle] = parsed as [number, string];
      return {
        createdAt,
        handle,
        sessionId: '',
        carrier: 'cookie',
        userAgent: '',
        lastSeenAt: 0,
        expiresAt: 0,
      };
    }
  } catch {
    // Not base64url JSON: not ours.
  }
  return undefined;
}
