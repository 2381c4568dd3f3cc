/**
 * `make(key)` once per key and process: later calls share the first call's promise. A failure is
 * forgotten (its promise is dropped), so that the next call tries again.
 */
export function memoised<T>(make: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const pending = new Map<string, Promise<T>>();
  return (key) => {
    let promise = pending.get(key);
    if (!promise) {
      promise = make(key);
      promise.catch(() => pending.delete(key));
      pending.set(key, promise);
    }
    return promise;
  };
}
