/**
 * Ready tasks by priority: the highest (longest chain still behind it) first, then the one made
 * first. A binary heap, because a graph of 10,000 tiny tasks must not sort its ready list per task.
 */
export class TaskHeap {
  private readonly ids: string[] = [];
  private readonly keys: [number, number][] = [];

  get size(): number {
    return this.ids.length;
  }

  push(id: string, height: number, order: number): void {
    this.ids.push(id);
    this.keys.push([height, order]);
    let i = this.ids.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): string | undefined {
    if (this.ids.length === 0) return undefined;
    const top = this.ids[0];
    const lastId = this.ids.pop()!;
    const lastKey = this.keys.pop()!;
    if (this.ids.length > 0) {
      this.ids[0] = lastId;
      this.keys[0] = lastKey;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < this.ids.length && this.before(l, best)) best = l;
        if (r < this.ids.length && this.before(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }

  private before(a: number, b: number): boolean {
    const [ha, oa] = this.keys[a];
    const [hb, ob] = this.keys[b];
    return ha !== hb ? ha > hb : oa < ob;
  }

  private swap(a: number, b: number): void {
    [this.ids[a], this.ids[b]] = [this.ids[b], this.ids[a]];
    [this.keys[a], this.keys[b]] = [this.keys[b], this.keys[a]];
  }
}
