/** Told a download's size, then each piece of it, then its end (a progress bar, in the CLI). */
export interface TransferWatcher {
  start(total: number): void;
  add(bytes: number): void;
  stop(): void;
}
