/**
 * An async step that never runs twice at once: a call made while it runs makes it run once more
 * afterwards, so that work that arrived meanwhile (a result freeing a slot while tasks are being
 * added) is not left waiting. A run's pump is one.
 */
export function coalesced(step: () => Promise<void>): () => Promise<void> {
  let running = false;
  let again = false;
  return async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await step();
      } while (again);
    } finally {
      running = false;
    }
  };
}
