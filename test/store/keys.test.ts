import fc from 'fast-check';
import { keys } from '../../src/store/keys';
import { PURE_RUNS, useSeed } from '../property/seed';

useSeed();

/**
 * What Redis Cluster hashes: the part between the first `{` and the next `}` when that part is
 * not empty, else the whole key (the cluster specification's keyslot rule).
 */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

/** Characters an encoded id may hold: no brace, no glob character, no `:` separator. */
const ENCODED = /^[A-Za-z0-9._~%-]*$/;

// Ids built to collide or to break a key: braces that would move the hash tag, glob characters,
// separators, ids that are already encoded, lone surrogates (encodeURIComponent throws on them)
// and what they might be confused with.
const TRICKY_IDS = [
  '',
  'alice',
  'Alice',
  'a}b',
  'a{b}',
  '{a}',
  '}{',
  '{}',
  'a%7Bb%7D',
  '%7B',
  '*',
  '%2a',
  '%2A',
  '?',
  '[ab]',
  '\\',
  "!'()",
  'a:b',
  'a%3Ab',
  ' ',
  '+',
  '%20',
  '\u0000',
  '\ud800',
  '\udc00',
  '\udc00\ud800',
  '\ud800\udc00',
  '\ud800x',
  '%ED%A0%80',
  '\ufffd',
  'é',
  'e\u0301',
  'a'.repeat(1000),
];

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const SUBJECT_KEYS = {
  userSessions: (id: string) => keys.userSessions(id),
  rateLimit: (id: string) => keys.rateLimit('login', id),
};

describe.each(Object.entries(SUBJECT_KEYS))('keys.%s', (_name, keyOf) => {
  it('never throws, and gives every tricky id a key of its own', () => {
    const owners = new Map<string, string>();
    for (const id of TRICKY_IDS) {
      const key = keyOf(id);
      expect(owners.get(key) ?? id).toBe(id);
      owners.set(key, id);
    }
    expect(owners.size).toBe(TRICKY_IDS.length);
  });

  it('hashes on the id alone: braces and stars in it cannot move the tag or make a pattern', () => {
    for (const id of TRICKY_IDS.filter((i) => i !== '')) {
      const key = keyOf(id);
      const tag = hashTag(key);
      expect(tag).toMatch(ENCODED);
      // Exactly one tag, and it is the id's: nothing of the id is left outside it.
      expect(key.split('{')).toHaveLength(2);
      expect(key.split('}')).toHaveLength(2);
      expect(key.replace(`{${tag}}`, '{}')).toBe(keyOf('x').replace('{x}', '{}'));
    }
  });

  it('gives the same id the same key, and the tag decodes back to the id', () => {
    for (const id of TRICKY_IDS.filter((i) => i !== '' && !LONE_SURROGATE.test(i))) {
      expect(keyOf(id)).toBe(keyOf(id));
      expect(decodeURIComponent(hashTag(keyOf(id)))).toBe(id);
    }
  });

  it('maps different strings to different keys, the same to the same, never throwing (property)', () => {
    // Small alphabets make near-collisions likely: braces, globs, '%', hex digits, surrogates.
    // prettier-ignore
    const piece = fc.constantFrom(
      '{', '}', '*', '?', '[', ']', '%', ':', '!', "'", '(', ')', '2', 'a', 'A', 'E', 'D', '7',
      'B', '\ud800', '\udc00', '\ufffd', '\u0000', ' ',
    );
    const id = fc.array(piece, { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.uniqueArray(id, { minLength: 2, maxLength: 40 }), (ids) => {
        const keysOf = ids.map(keyOf);
        for (const key of keysOf) expect(hashTag(key)).toMatch(ENCODED);
        expect(new Set(keysOf).size).toBe(ids.length);
        expect(ids.map(keyOf)).toEqual(keysOf);
      }),
      { numRuns: PURE_RUNS * 5 },
    );
  });
});

describe('keys.rateLimit', () => {
  it('keeps limits apart for one subject', () => {
    expect(keys.rateLimit('login', 'x')).not.toBe(keys.rateLimit('oauth', 'x'));
  });
});

describe('keys.grant', () => {
  it("puts all of one grant's keys in one slot, and other grants in other tags", () => {
    const one = keys.grant('likecoin', 'grant-id-1');
    const tags = new Set(Object.values(one).map(hashTag));
    expect(tags).toEqual(new Set(['likecoin:grant-id-1']));
    expect(new Set(Object.values(one)).size).toBe(4);
    expect(hashTag(keys.grant('likecoin', 'grant-id-2').tokens)).not.toBe('likecoin:grant-id-1');
    expect(hashTag(keys.grant('other', 'grant-id-1').tokens)).not.toBe('likecoin:grant-id-1');
  });
});
