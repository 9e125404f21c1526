import { putBounded } from '../../src/store/bounded-map';

describe('putBounded', () => {
  it('keeps at most max entries, dropping the one put longest ago', () => {
    const map = new Map<string, number>();
    for (const [i, key] of ['a', 'b', 'c'].entries()) putBounded(map, key, i, 2);
    expect([...map.entries()]).toEqual([
      ['b', 1],
      ['c', 2],
    ]);
  });

  it('putting a key again moves it last, so it is not the next to go', () => {
    const map = new Map<string, number>();
    putBounded(map, 'a', 1, 2);
    putBounded(map, 'b', 2, 2);
    putBounded(map, 'a', 3, 2);
    putBounded(map, 'c', 4, 2);
    expect([...map.entries()]).toEqual([
      ['a', 3],
      ['c', 4],
    ]);
  });
});
