"""Listings API: what a new execution environment costs under each cold-start strategy.

Each run is a fresh interpreter (``none`` needs the import measured from nothing), with the
Lambda environment of :mod:`bench.bench_api`. What each strategy leaves to the request that
meets a new environment, as far as it can be measured offline:

- ``none``: the handler's whole init (a fresh process importing ``functions.api.handler``,
  as ``api-cold-init`` measures it) plus the first invocation;
- ``snapstart``: the after-restore hook (:func:`functions.shared.snapstart.restore`: re-seed,
  drop every client's pool, the handler hooks) on the already imported handler, plus the
  first invocation; Lambda's own resume of the snapshot is not measurable here;
- ``provisioned``: the first invocation only (Lambda ran the init ahead of the request).

The first invocation runs a featured-feed request under moto (one DynamoDB query); it still
pays the lazy work the init left (botocore's first call, Powertools' first resolve) under
every strategy. ``snapstart`` and ``provisioned`` are reported as ratios against ``none``
from the same runs, and ``none`` against the boto3 floor of ``api-cold-init``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

from bench import Measurement
from bench.bench_api import ROOT, _env, _run, handler_clients

RUNS = 7
# One environment's life after its init: under moto, restore, first and second request.
AFTER_INIT = """
import contextlib, io, json, os, time
os.environ["POWERTOOLS_TRACE_DISABLED"] = "1"
from moto import mock_aws
from bench import LambdaContext
from bench.bench_api import _event, create_listings_table
with mock_aws():
    create_listings_table(os.environ["TABLE_NAME"])
    from functions.api import handler
    from functions.shared import snapstart
    event = _event("GET", "/listings/featured", "/listings/featured")
    def invoke():
        with contextlib.redirect_stdout(io.StringIO()):  # EMF lines
            response = handler.lambda_handler(event, LambdaContext(remaining_ms=10_000))
        assert response["statusCode"] == 200, response
    start = time.perf_counter(); snapstart.restore(); restore = time.perf_counter() - start
    start = time.perf_counter(); invoke(); first = time.perf_counter() - start
    start = time.perf_counter(); invoke(); warm = time.perf_counter() - start
print(json.dumps({"restore": restore, "first": first, "warm": warm}))
"""


def _after_init() -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", AFTER_INIT], cwd=ROOT, env=_env(), check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure() -> list[Measurement]:
    """One row per strategy: ``none`` against the floor, the others against ``none``."""
    clients = handler_clients()
    floor_code = "import boto3\n" + "\n".join(f"boto3.client({c!r})" for c in clients)
    handler_code = "import functions.api.handler"
    _run(floor_code), _run(handler_code), _after_init()  # warm the file cache and .pyc files
    floor, init, lives = [], [], []
    for _ in range(RUNS):
        floor.append(_run(floor_code))
        init.append(_run(handler_code))
        lives.append(_after_init())
    first = statistics.median(life["first"] for life in lives)
    restore = statistics.median(life["restore"] for life in lives)
    none = statistics.median(init) + first
    note = (f"{RUNS} fresh runs each, medians: init {statistics.median(init) * 1000:.0f} ms, "
            f"restore hook {restore * 1000:.2f} ms, first request {first * 1000:.1f} ms, "
            f"warm request {statistics.median(life['warm'] for life in lives) * 1000:.1f} ms")
    return [
        Measurement(name="api-cold-start none", value=none, unit="s",
                    baseline=statistics.median(floor), target=1.8,
                    note=f"init + first request vs import boto3 + clients; {note}"),
        Measurement(name="api-cold-start snapstart", value=restore + first, unit="s",
                    baseline=none, target=0.05,
                    note="after-restore hook + first request vs none (Lambda's resume of the "
                         "snapshot not measurable offline)"),
        Measurement(name="api-cold-start provisioned", value=first, unit="s", baseline=none,
                    target=0.05, note="first request only (init ran ahead) vs none"),
    ]
