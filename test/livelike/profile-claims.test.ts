import { profileClaims } from '../../src/livelike/profile-claims';

describe('profileClaims', () => {
  it('names the client, the time and the profile, and expires after the TTL', () => {
    expect(profileClaims('client', 'user-1', 1_700_000_000.9, 3600)).toEqual({
      iss: 'client',
      iat: 1_700_000_000,
      custom_profile_id: 'user-1',
      exp: 1_700_003_600,
    });
  });

  it('leaves exp out when the TTL is 0', () => {
    expect(profileClaims('client', 'user-1', 1_700_000_000, 0)).not.toHaveProperty('exp');
  });

  it.each([
    ['a 1-character id', 'x'],
    ['a 255-character id', 'x'.repeat(255)],
    ['an id with spaces and unicode', 'ユーザー 1'],
  ])('accepts %s as it is', (_label, id) => {
    expect(profileClaims('c', id, 0, 60).custom_profile_id).toBe(id);
  });

  it.each([
    ['an empty id', ''],
    ['a 256-character id', 'x'.repeat(256)],
  ])('refuses %s with 422 invalid_profile_id, never truncating it', (_label, id) => {
    expect(() => profileClaims('c', id, 0, 60)).toThrow(
      expect.objectContaining({ status: 422, code: 'invalid_profile_id' }),
    );
  });
});
