/** Background errors kept between cells; more than this are dropped (the first ones tell the story). */
const MAX_UNREPORTED = 20;

/**
 * Errors caught outside any task or cell (an un-awaited rejection in a worker, a throw in a
 * callback of the kernel's): each goes to the cell running now, or waits for the next one.
 */
export class BackgroundErrors {
  #reporter: ((error: Error) => void) | undefined;
  readonly #unreported: Error[] = [];

  report(error: Error): void {
    if (this.#reporter) return this.#reporter(error);
    if (this.#unreported.length < MAX_UNREPORTED) this.#unreported.push(error);
  }

  /** While a cell runs, errors go to `report`; those from between cells come first. */
  reportTo(report: (error: Error) => void): () => void {
    for (const e of this.#unreported.splice(0)) report(e);
    this.#reporter = report;
    return () => {
      if (this.#reporter === report) this.#reporter = undefined;
    };
  }
}
