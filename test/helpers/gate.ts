/**
 * Holds a request that has loaded its state (`wait()` in the handler) until the test has run
 * another request meanwhile (`await gate.loaded`, then the other request, then `gate.open()`):
 * the interleaving is certain instead of timed. `reset()` arms it again for the next round.
 */
export class Gate {
  loaded!: Promise<void>;
  private markLoaded!: () => void;
  private opened!: Promise<void>;
  open!: () => void;
  constructor() {
    this.reset();
  }
  reset(): void {
    this.loaded = new Promise((resolve) => {
      this.markLoaded = resolve;
    });
    this.opened = new Promise((resolve) => {
      this.open = resolve;
    });
  }
  async wait(): Promise<void> {
    this.markLoaded();
    await this.opened;
  }
}
