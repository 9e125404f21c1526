import { randomBytes } from 'node:crypto';
import { SealedBox } from '../../src/store/sealed-box';

const key = () => new Uint8Array(randomBytes(32));

describe('SealedBox', () => {
  it('opens what it sealed, for the same binding only', async () => {
    const box = new SealedBox([key()]);
    const sealed = await box.seal('{"access_token":"secret"}', 'session-a');
    expect(sealed).not.toContain('secret');
    expect(await box.open(sealed, 'session-a')).toBe('{"access_token":"secret"}');
    expect(await box.open(sealed, 'session-b')).toBeUndefined();
  });

  it('refuses a tampered box', async () => {
    const box = new SealedBox([key()]);
    const parts = (await box.seal('payload', 's')).split('.');
    parts[3] = parts[3]!.slice(0, -2) + (parts[3]!.endsWith('AA') ? 'BB' : 'AA');
    expect(await box.open(parts.join('.'), 's')).toBeUndefined();
  });

  it('opens boxes sealed with an older key after rotation, and seals with the newest', async () => {
    const [oldKey, newKey] = [key(), key()];
    const before = await new SealedBox([oldKey]).seal('kept', 's');
    const rotated = new SealedBox([newKey, oldKey]);
    expect(await rotated.open(before, 's')).toBe('kept');
    expect(await new SealedBox([newKey]).open(await rotated.seal('new', 's'), 's')).toBe('new');
    expect(await new SealedBox([key()]).open(before, 's')).toBeUndefined();
  });

  it('treats garbage as unreadable, not as an error', async () => {
    expect(await new SealedBox([key()]).open('not a jwe', 's')).toBeUndefined();
  });
});
