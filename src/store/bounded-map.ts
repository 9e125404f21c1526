/**
 * Puts `key` last in `map` (Maps keep insertion order), first dropping the entry put longest ago
 * when the map already holds `max`: the one bound of every in-process cache, so none of them can
 * grow with the number of users.
 */
export function putBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
