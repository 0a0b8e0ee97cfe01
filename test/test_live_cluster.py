"""A run on the cluster draws live too (SPEC §5, issue #25): its chart grows while real `paralab
worker` processes take its tasks through Redis, then the final chart replaces it. Separate from
test_live_charts.py because the kernel needs the cluster key."""
import os

import pytest
from jupyter_client.manager import start_new_kernel

from cluster_env import KEY, RedisServer, Worker
from conftest import TIMEOUT, run

RUN_MIME = "application/vnd.paralab.run.v1+json"


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_new_kernel(kernel_name="paralab", startup_timeout=TIMEOUT,
                              env={**os.environ, "PARALAB_CLUSTER_KEY": KEY})
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


@pytest.fixture
def redis(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


def test_a_cluster_map_draws_live(kc, redis, tmp_path):
    workers = [Worker(tmp_path, redis.url) for _ in range(2)]
    try:
        reply, outputs = run(kc, f"%%parallel --map Array.from({{length: 24}}, (_, i) => i) --cluster {redis.url} "
                                 "--chunksize 1\nawait new Promise((r) => setTimeout(r, 120)); item")
        assert reply["status"] == "ok", reply
        charts = [m for m in outputs if m["msg_type"] in ("display_data", "update_display_data")
                  and RUN_MIME in m["content"]["data"]]
        live = [m["content"]["data"] for m in charts[:-1]]
        assert len(live) >= 3, f"{len(live)} live updates"
        for d in live:
            record = d[RUN_MIME]
            assert "image/png" not in d and record["live"]["state"] == "running"
            assert record["workerKind"] == "cluster" and record["samples"] == []  # this machine's cores say nothing of a cluster's
        assert any(0 < d[RUN_MIME]["live"]["done"] < 24 and d[RUN_MIME]["tasks"] for d in live)
        final = charts[-1]["content"]["data"]
        assert "image/png" in final and "live" not in final[RUN_MIME] and len(final[RUN_MIME]["tasks"]) == 24
        assert {m["content"]["transient"]["display_id"] for m in charts} == {charts[0]["content"]["transient"]["display_id"]}
    finally:
        for w in workers:
            w.stop()
