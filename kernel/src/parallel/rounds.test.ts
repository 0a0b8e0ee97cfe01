import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkOptionsObject } from "../options/object";
import { parseOptions } from "../options/words";
import { summarizeRun, summarizeScaling } from "../charts/summary";
import type { RunRecord } from "../run/records";
import { PARALLEL_OPTIONS } from "./parallel-options";
import { planParallel } from "./plan";
import { compareResult } from "./report";
import { enoughRounds, measureRounds, median, relativeSpread, spreadOf } from "./rounds";
import { perRoundSpeedups, scalingRecord } from "./scaling";

const ratio = ([serial, parallel]: readonly number[]) => [serial / parallel];

/** A pass runner that logs what ran and answers from a table: no workers, no clocks, no sleeping. */
function fakeRunner<P>(times: (pass: P, round: number) => number) {
  const log: string[] = [];
  const run = async (pass: P, round: number) => {
    log.push(`${round === 0 ? "warm" : `r${round}`}:${String(pass)}`);
    return times(pass, round);
  };
  return { log, run };
}

describe("rounds: medians and spreads", () => {
  it("takes the middle value, or the mean of the two middle ones", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([7]), 7);
    assert.ok(Number.isNaN(median([])));
    assert.deepEqual(spreadOf([5, 1, 3]), { median: 3, min: 1, max: 5 });
    assert.ok(Math.abs(relativeSpread({ median: 2, min: 1.9, max: 2.1 }) - 0.1) < 1e-12);
    assert.equal(relativeSpread(spreadOf([4])), 0);
  });

  it("pairs each round's serial and parallel times: the speedup is the median of the rounds' ratios", () => {
    const c = compareResult({
      serialWhere: "on one worker thread (w0)",
      warmupMs: 90,
      rule: "repeat",
      rounds: [
        { serialMs: 1000, parallelMs: 500 }, // 2.0x
        { serialMs: 600, parallelMs: 400 }, // 1.5x
        { serialMs: 900, parallelMs: 500 }, // 1.8x
      ],
    });
    assert.equal(c.speedup, 1.8, "median of 2.0, 1.5, 1.8 (not 900 / 500 by chance: it is the round's)");
    assert.equal(c.speedupMin, 1.5);
    assert.equal(c.speedupMax, 2);
    assert.equal(c.serialMs, 900);
    assert.deepEqual(
      [c.serialMsMin, c.serialMsMax, c.parallelMs, c.parallelMsMin, c.parallelMsMax],
      [600, 1000, 500, 400, 500],
    );
    assert.deepEqual(c.repeat, { rounds: 3, rule: "repeat", warmupMs: 90 });
  });

  it("scaling: each size against the same round's 1-worker pass, or its smallest size scaled", () => {
    assert.deepEqual(perRoundSpeedups([1, 2, 4], [800, 400, 200]), [1, 2, 4]);
    assert.deepEqual(perRoundSpeedups([2, 4], [400, 250]), [2, 3.2]);
    const record = scalingRecord(
      [1, 2],
      {
        times: [
          [800, 400],
          [900, 600],
          [700, 500],
        ],
        warmupMs: [500],
        rule: "repeat",
      },
      2,
    );
    const two = record.points.find((p) => p.workers === 2)!;
    assert.equal(two.speedup, 1.5, "median of 2, 1.5, 1.4");
    assert.deepEqual(
      [two.speedupMin, two.speedupMax, two.wallMs, two.wallMsMin, two.wallMsMax],
      [1.4, 2, 500, 400, 600],
    );
    assert.deepEqual(two.rounds, [400, 600, 500]);
    assert.deepEqual(record.repeat, { rounds: 3, rule: "repeat", warmupMs: 500 });
  });
});

describe("rounds: order and how many", () => {
  it("warms up, then alternates serial and parallel for --repeat N rounds", async () => {
    const { log, run } = fakeRunner<string>((pass) => (pass === "serial" ? 1000 : 500));
    const rounds = await measureRounds(
      { passes: ["serial", "parallel"], warmup: ["parallel"], repeat: 3, speedups: ratio },
      run,
    );
    assert.deepEqual(log, [
      "warm:parallel",
      "r1:serial",
      "r1:parallel",
      "r2:serial",
      "r2:parallel",
      "r3:serial",
      "r3:parallel",
    ]);
    assert.deepEqual(rounds, {
      warmupMs: [500],
      times: [
        [1000, 500],
        [1000, 500],
        [1000, 500],
      ],
      rule: "repeat",
    });
  });

  it("interleaves scaling rounds 1, 2, 4, 1, 2, 4 after a warm-up at the largest size", async () => {
    const { log, run } = fakeRunner<number>((n) => 800 / n);
    await measureRounds(
      { passes: [1, 2, 4], warmup: [4], repeat: 2, speedups: (t) => perRoundSpeedups([1, 2, 4], t) },
      run,
    );
    assert.deepEqual(log, ["warm:4", "r1:1", "r1:2", "r1:4", "r2:1", "r2:2", "r2:4"]);
  });

  it("automatic: at least 3 rounds when a round is short, and stops once the speedup's spread is within 10%", () => {
    assert.equal(enoughRounds([[200, 100]], ratio), undefined);
    assert.equal(
      enoughRounds(
        [
          [200, 100],
          [200, 101],
        ],
        ratio,
      ),
      undefined,
      "short rounds: 3 at least",
    );
    assert.equal(
      enoughRounds(
        [
          [200, 100],
          [200, 101],
          [200, 99],
        ],
        ratio,
      ),
      "settled",
    );
    assert.equal(
      enoughRounds(
        [
          [1200, 600],
          [1200, 610],
        ],
        ratio,
      ),
      "settled",
      "rounds over 1 s: 2 at least",
    );
  });

  it("automatic: keeps going while the spread is wide, up to 5 rounds", () => {
    const wide = [
      [200, 100],
      [200, 150],
      [200, 100],
      [200, 150],
    ];
    assert.equal(enoughRounds(wide, ratio), undefined);
    assert.equal(enoughRounds([...wide, [200, 100]], ratio), "limit");
  });

  it("automatic: one round when a pass takes over 3 s; --repeat wins over every rule", () => {
    assert.equal(enoughRounds([[6000, 3100]], ratio), "long");
    assert.equal(enoughRounds([[6000, 3100]], ratio, 2), undefined);
    assert.equal(enoughRounds([[200, 100]], ratio, 1), "repeat");
    assert.equal(
      enoughRounds(
        [
          [200, 100],
          [200, 150],
          [200, 100],
          [200, 150],
          [200, 100],
        ],
        ratio,
        6,
      ),
      undefined,
    );
  });

  it("automatic: starts no round past the time budget once it has its minimum", () => {
    const slow = [
      [2900, 1500],
      [2500, 2000],
    ];
    assert.equal(enoughRounds(slow, ratio), undefined, "8.9 s spent: one more round of 4.5 s fits in 15 s");
    assert.equal(enoughRounds([...slow, [2900, 1500]], ratio), "limit");
  });
});

describe("rounds: words", () => {
  const base: RunRecord = {
    version: 1,
    kind: "run",
    mode: "map",
    workers: 2,
    workerKind: "thread",
    cores: 2,
    startMs: 0,
    endMs: 500,
    wallMs: 500,
    cpuMs: 950,
    bytesIn: 0,
    bytesOut: 0,
    tasks: [{ rank: 0, index: 0, startMs: 0, endMs: 500, cpuMs: 475, status: "ok" }],
    samples: [],
  };

  it("says the median speedup with its spread, and how many rounds ran after the warm-up", () => {
    const compare = compareResult({
      serialWhere: "on one worker thread (w0)",
      warmupMs: 500,
      rule: "settled",
      rounds: [
        { serialMs: 1000, parallelMs: 520 },
        { serialMs: 980, parallelMs: 510 },
        { serialMs: 1010, parallelMs: 515 },
      ],
    });
    const words = summarizeRun({ ...base, compare, speedup: compare.speedup });
    assert.match(words, /speedup 1\.92x \(1\.92–1\.96x over 3 rounds\), efficiency 96%/);
    assert.match(
      words,
      /serial pass on one worker thread \(w0\) 1\.00 s \(980 ms–1\.01 s\), parallel 515 ms \(510–520 ms\)/,
    );
    assert.match(
      words,
      /medians of 3 rounds after a warm-up \(serial and parallel alternating, until the speedup's spread was within 10%\)/,
    );
  });

  it("an older record (one pass each, no rounds) reads as before", () => {
    const words = summarizeRun({ ...base, compare: { serialMs: 1000, parallelMs: 500, speedup: 2 }, speedup: 2 });
    assert.match(words, /serial pass in the kernel 1\.00 s, parallel 500 ms: speedup 2\.00x, efficiency 100%$/);
  });

  it("scaling shows each speedup's spread and the rounds", () => {
    const record = scalingRecord(
      [1, 2],
      {
        times: [
          [800, 400],
          [900, 600],
          [700, 500],
        ],
        warmupMs: [500],
        rule: "repeat",
      },
      2,
    );
    assert.match(
      summarizeScaling(record),
      /1\.00x, 1\.50x \(1\.40–2\.00x\) \(wall 800 ms \(700–900 ms\), 500 ms \(400–600 ms\)\); medians of 3 rounds after a warm-up \(--repeat 3, 1, 2 workers in turn\)/,
    );
  });
});

describe("--repeat: planned like every option", () => {
  const magic = (words: string) =>
    planParallel(
      { caller: "%%parallel", body: "item", bodyLine: 2 },
      parseOptions("%%parallel", words.split(" "), PARALLEL_OPTIONS),
      { size: 2, kind: "thread" },
    );
  const api = (options: object) =>
    planParallel(
      { caller: "parallel.map", body: "f(item)", bodyLine: 1 },
      checkOptionsObject("parallel.map", options, PARALLEL_OPTIONS),
      {
        size: 2,
        kind: "thread",
      },
    );

  it("goes with --compare or --scaling, in the magic and the API", () => {
    assert.equal(magic("--map xs --compare --repeat 3").repeat, 3);
    assert.equal(magic("--map xs --scaling 1,2 --repeat 2").repeat, 2);
    assert.equal(magic("--map xs --compare").repeat, undefined);
    assert.equal(api({ scaling: [1, 2], repeat: 4 }).repeat, 4);
  });

  it("is refused alone, at 0, and without a value, naming what to do", () => {
    assert.throws(
      () => magic("--map xs --repeat 3"),
      /--repeat repeats the timed passes of --compare or --scaling; add one of them/,
    );
    assert.throws(
      () => api({ repeat: 3 }),
      /options.repeat repeats the timed passes of options.compare or options.scaling/,
    );
    assert.throws(() => magic("--map xs --compare --repeat 0"), /--repeat must be a positive integer, got "0"/);
    assert.throws(() => magic("--map xs --compare --repeat"), /--repeat/);
    assert.throws(() => api({ compare: true, repeat: 0 }), /repeat/);
  });
});
