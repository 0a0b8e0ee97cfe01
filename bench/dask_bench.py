"""Section 8: dask.delayed on the shapes of paralab's task-graph section, for reference.

Tiny tasks: 10,000 independent x + 1 tasks (computed together) and a chain of 10,000 of them,
against one plain loop; Dask's default scheduler for delayed (threads, 2 workers). Big data: a chain of 8 tasks over a 64 MB float64
array (make, 6 × scale, sum) on the threaded scheduler, against the same calls in this process.
Options (JSON argv[1]): tasks, elements, steps, reps.
"""
import statistics
import time

import dask
import numpy as np
from dask import delayed

from jupyter_kernels import args, emit, log


def inc(x):
    return x + 1


def make(n):
    return np.full(n, 1.0)


def scale(xs):
    return xs * 1.000001


def total(xs):
    return float(xs.sum())


def timed(fn, reps, warmup=1):
    samples, value = [], None
    for i in range(warmup + reps):
        t0 = time.perf_counter()
        value = fn()
        if i >= warmup:
            samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000, value


def main():
    o = args()
    n, reps = o["tasks"], o["reps"]
    out = {"dask": dask.__version__, "numpy": np.__version__}

    def independent(scheduler):
        return dask.compute(*[delayed(inc)(i) for i in range(n)], scheduler=scheduler, num_workers=2)

    def chain(scheduler):
        x = delayed(inc)(0)
        for _ in range(n - 1):
            x = delayed(inc)(x)
        return dask.compute(x, scheduler=scheduler, num_workers=2)[0]

    ms, values = timed(lambda: independent("threads"), reps)
    assert values[-1] == n
    out["independentThreadsMs"] = ms
    log(f"independent, threads: {ms:.0f} ms")
    ms, value = timed(lambda: chain("threads"), reps)
    assert value == n
    out["chainThreadsMs"] = ms
    log(f"chain, threads: {ms:.0f} ms")
    ms, _ = timed(lambda: [inc(i) for i in range(n)], reps)
    out["loopMs"] = ms

    elements, steps = o["elements"], o["steps"]

    def big_chain():
        x = delayed(make)(elements)
        for _ in range(steps):
            x = delayed(scale)(x)
        return dask.compute(delayed(total)(x), scheduler="threads", num_workers=2)[0]

    def in_process():
        x = make(elements)
        for _ in range(steps):
            x = scale(x)
        return total(x)

    ms, value = timed(big_chain, reps)
    out["bigChainMs"] = ms
    ms2, value2 = timed(in_process, reps)
    out["bigInProcessMs"] = ms2
    assert abs(value - value2) < 1e-6 * abs(value2)
    out["bigSum"] = value
    log(f"64 MB chain: dask {ms:.0f} ms, plain {ms2:.0f} ms")
    emit(out)


if __name__ == "__main__":
    main()
