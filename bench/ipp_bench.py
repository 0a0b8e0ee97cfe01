"""Section 6: ipyparallel with 2 local engines, the same jobs as paralab's sections 2 and 3.

Tiny map: x + 1 over items through a load-balanced view (default chunksize 1, on fewer items
since it runs at a few thousand items/s; and with a chunksize), plus a DirectView map.
CPU-bound: the LCG Monte Carlo pi of kernel/src/bench/work.ts, serial in this process vs
apply on both engines (what %%px does), each engine doing half of the samples.
Options (JSON argv[1]): items, itemsChunk1, chunksize, samples, seed, reps.
"""
import statistics
import time

from jupyter_kernels import args, emit, log


def inc(x):
    return x + 1


def pi_task(seed, samples):
    """Same arithmetic as PI_TASK_SOURCE in work.ts, so JS and Python count the same hits."""
    s, hits = seed, 0
    for _ in range(samples):
        s = (s * 1103515245 + 12345) & 0x7FFFFFFF
        x = s / 2147483648
        s = (s * 1103515245 + 12345) & 0x7FFFFFFF
        y = s / 2147483648
        if x * x + y * y <= 1:
            hits += 1
    return hits


def timed(fn, reps):
    """Median seconds over reps runs, and the last value."""
    times, value = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), value


def main():
    import ipyparallel as ipp

    o = args()
    n, n1, chunk = o.get("items", 100_000), o.get("itemsChunk1", 5_000), o.get("chunksize", 1_000)
    samples, seed, reps = o.get("samples", 2_000_000), o.get("seed", 12345), o.get("reps", 3)
    t0 = time.perf_counter()
    cluster = ipp.Cluster(n=2, log_level=40)
    rc = cluster.start_and_connect_sync(activate=False)
    rc.wait_for_engines(2, timeout=120)
    startup_s = time.perf_counter() - t0
    log(f"ipyparallel: 2 engines up in {startup_s:.1f} s")
    try:
        lview, dview = rc.load_balanced_view(), rc[:]
        lview.map_sync(inc, range(10))
        dview.apply_sync(pi_task, 1, 1000)
        maps = {}
        for label, count, fn in [
            ("load-balanced map, chunksize 1 (default)", n1, lambda: lview.map_sync(inc, range(n1))),
            (f"load-balanced map, chunksize {chunk}", n, lambda: lview.map_sync(inc, range(n), chunksize=chunk)),
            ("DirectView map (one block per engine)", n, lambda: dview.map_sync(inc, range(n))),
        ]:
            s, values = timed(fn, reps if count == n else 1)
            assert len(values) == count and values[-1] == count, (label, len(values))
            maps[label] = {"items": count, "seconds": s, "itemsPerSec": count / s}
            log(f"{label}: {count / s:,.0f} items/s")
        half = samples // 2
        serial_s, serial_hits = timed(lambda: [pi_task(seed + r, half) for r in range(2)], reps)
        log(f"pi serial: {serial_s:.2f} s")

        def on_engines():
            ars = [rc[r].apply_async(pi_task, seed + r, half) for r in range(2)]
            return [ar.get() for ar in ars]

        par_s, par_hits = timed(on_engines, reps)
        log(f"pi on 2 engines: {par_s:.2f} s")
        assert par_hits == serial_hits, (par_hits, serial_hits)
        cpu = {
            "samples": 2 * half,
            "seed": seed,
            "hitsPerRank": par_hits,
            "serialSeconds": serial_s,
            "parallelSeconds": par_s,
            "speedup": serial_s / par_s,
        }
    finally:
        rc.close()
        cluster.stop_cluster_sync()
    emit({"engines": 2, "startupSeconds": startup_s, "maps": maps, "cpu": cpu})


if __name__ == "__main__":
    main()
