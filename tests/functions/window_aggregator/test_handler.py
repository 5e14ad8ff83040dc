"""The window aggregator over tumbling windows built from AWS's sample time-window event."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from functions.shared.metrics import BUSINESS_SERVICE
from tests.functions.analytics_support import (
    NAMESPACE,
    Context,
    encode,
    eventbridge_event,
    fixture,
    kinesis_batch,
    set_environment,
)

set_environment()
from functions.window_aggregator import handler as aggregator  # noqa: E402
from functions.window_aggregator import sinks  # noqa: E402
from functions.window_aggregator.window_state import normalise_term  # noqa: E402

WINDOW = fixture("kinesis-time-window-event.json")["window"]


def window_events() -> list[dict[str, Any]]:
    """Events spread over the fixture's window (two minutes), with repeats to rank."""
    start = WINDOW["start"][:14]  # yyyy-MM-ddTHH:
    minute0, minute1 = int(WINDOW["start"][14:16]), int(WINDOW["start"][14:16]) + 1
    events = []
    plan = [
        (minute0, "ListingViewed", {"listing_id": "l-1"}),
        (minute0, "ListingViewed", {"listing_id": "l-2"}),
        (minute0, "SearchPerformed", {"query": "Red  Bike", "result_count": 2}),
        (minute0, "SearchPerformed", {"query": "sofa", "result_count": 0}),
        (minute0, "UserRegistered", {"user_id": "u-1"}),
        (minute1, "ListingViewed", {"listing_id": "l-1"}),
        (minute1, "ListingViewed", {"listing_id": "l-1"}),
        (minute1, "SearchPerformed", {"query": "red bike ", "result_count": 5}),
        (minute1, "ListingCreated", {"listing_id": "l-3", "seller_id": "u-1",
                                     "category": "cars", "price": 10, "currency": "EUR"}),
        (minute1, "ContactRequested", {"listing_id": "l-1"}),
    ]
    for index, (minute, event_type, fields) in enumerate(plan):
        time = f"{start}{minute:02d}:{index:02d}Z"
        events.append(eventbridge_event(event_type, fields, time=time, event_id=f"w-{index}"))
    return events


def expected(events: list[dict[str, Any]]) -> dict[str, Counter[Any]]:
    """The window's aggregates computed straight from the events (the spec)."""
    return {
        "per_minute": Counter((e["time"][:16], e["detail-type"]) for e in events),
        "terms": Counter(normalise_term(e["detail"]["query"]) for e in events
                         if e["detail-type"] == "SearchPerformed"),
        "listings": Counter(e["detail"]["listing_id"] for e in events
                            if e["detail-type"] == "ListingViewed"),
    }


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with mock_aws():
        clients = {"cloudwatch": boto3.client("cloudwatch", region_name="us-east-1"),
                   "timestream": boto3.client("timestream-write", region_name="us-east-1")}
        monkeypatch.setattr(aggregator, "cloudwatch", clients["cloudwatch"])
        yield clients


def invoke(datas: list[str], state: Any, final: bool = False) -> dict[str, Any]:
    event = kinesis_batch(datas, fixture_name="kinesis-time-window-event.json", state=state,
                          isFinalInvokeForWindow=final)
    return aggregator.handler(event, Context())


def run_window(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Three invocations: two halves of the batch, then the final (empty) one."""
    initial = fixture("kinesis-time-window-event.json")["state"]
    half = len(events) // 2
    first = invoke([encode(e) for e in events[:half]], initial)
    second = invoke([encode(e) for e in events[half:]], first["state"])
    final = invoke([], second["state"], final=True)
    return [first, second, final]


def test_state_is_carried_across_invocations(aws: dict[str, Any]) -> None:
    events = window_events()
    first, second, final = run_window(events)
    half = len(events) // 2
    # The fixture's foreign state is not ours: the window starts empty.
    assert first["state"]["events"] == half
    assert second["state"]["events"] == len(events)
    spec = expected(events)
    carried = Counter({(minute, t): n for minute, types in second["state"]["counts"].items()
                       for t, n in types.items()})
    assert carried == spec["per_minute"]
    assert Counter(second["state"]["terms"]) == spec["terms"]
    assert Counter(second["state"]["listings"]) == spec["listings"]
    assert final["state"] == {}
    assert json.dumps(second["state"])  # Lambda needs JSON


def test_final_invocation_puts_the_window_aggregates_into_cloudwatch(
        aws: dict[str, Any]) -> None:
    events = window_events()
    run_window(events)
    cw = aws["cloudwatch"]
    spec = expected(events)
    listed = cw.list_metrics(Namespace=NAMESPACE, MetricName=sinks.EVENTS_PER_MINUTE)["Metrics"]
    types = {next(d["Value"] for d in m["Dimensions"] if d["Name"] == "EventType")
             for m in listed}
    assert types == {t for (_m, t) in spec["per_minute"]}
    assert all({"Name": "service", "Value": BUSINESS_SERVICE} in m["Dimensions"] for m in listed)
    for (minute, event_type), count in spec["per_minute"].items():
        at = datetime.fromisoformat(minute + ":00+00:00")
        stats = cw.get_metric_statistics(
            Namespace=NAMESPACE, MetricName=sinks.EVENTS_PER_MINUTE,
            Dimensions=[{"Name": "service", "Value": BUSINESS_SERVICE},
                        {"Name": "EventType", "Value": event_type}],
            StartTime=at, EndTime=datetime.fromtimestamp(at.timestamp() + 60, UTC),
            Period=60, Statistics=["Sum"])["Datapoints"]
        assert sum(p["Sum"] for p in stats) == count, (minute, event_type)
    hot = cw.get_metric_statistics(
        Namespace=NAMESPACE, MetricName=sinks.HOT_LISTING_VIEWS,
        Dimensions=[{"Name": "service", "Value": BUSINESS_SERVICE}],
        StartTime=datetime(2020, 1, 1, tzinfo=UTC), EndTime=datetime(2030, 1, 1, tzinfo=UTC),
        Period=60, Statistics=["Maximum"])["Datapoints"]
    assert [p["Maximum"] for p in hot] == [max(spec["listings"].values())]


def test_bad_records_are_reported_and_not_counted(aws: dict[str, Any]) -> None:
    events = window_events()[:3]
    datas = [encode(events[0]), "%%%", encode(events[1]), encode("[1, 2"), encode(events[2]),
             encode(events[2])]
    batch = kinesis_batch(datas, fixture_name="kinesis-time-window-event.json", state={},
                          isFinalInvokeForWindow=False)
    response = aggregator.handler(batch, Context())
    assert response["batchItemFailures"] == [
        {"itemIdentifier": batch["Records"][i]["kinesis"]["sequenceNumber"]} for i in (1, 3)]
    # The duplicate of events[2] (same event_id) is counted once.
    assert response["state"]["events"] == 3


def test_top_terms_and_hot_listings_rank_by_count(aws: dict[str, Any]) -> None:
    events = window_events()
    second = run_window(events)[1]
    state = aggregator.WindowState.from_dict(second["state"])
    spec = expected(events)
    assert state.top_terms(1) == [spec["terms"].most_common(1)[0]]
    assert state.top_listings(1) == [spec["listings"].most_common(1)[0]]


def test_live_analytics_store_receives_the_window(aws: dict[str, Any],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    ts = aws["timestream"]
    ts.create_database(DatabaseName="db")
    ts.create_table(DatabaseName="db", TableName="window_aggregates")
    monkeypatch.setattr(aggregator, "timestream", ts)
    monkeypatch.setenv("TIMESTREAM_DATABASE", "db")
    monkeypatch.setenv("TIMESTREAM_TABLE", "window_aggregates")
    events = window_events()
    run_window(events)
    from moto.timestreamwrite.models import timestreamwrite_backends

    table = timestreamwrite_backends["123456789012"]["us-east-1"].databases["db"].tables[
        "window_aggregates"]
    spec = expected(events)
    per_type = {(r["Time"], next(d["Value"] for d in r["Dimensions"]
                                 if d["Name"] == "event_type")): int(r["MeasureValue"])
                for r in table.records if r["MeasureName"] == "events"}
    assert per_type == {(str(sinks.epoch_ms(m)), t): n for (m, t), n in spec["per_minute"].items()}
    terms = {next(d["Value"] for d in r["Dimensions"] if d["Name"] == "term"): int(
        r["MeasureValue"]) for r in table.records if r["MeasureName"] == "searches"}
    assert terms == dict(spec["terms"])
    shard = fixture("kinesis-time-window-event.json")["shardId"]
    assert all({"Name": "shard_id", "Value": shard} in r["Dimensions"] for r in table.records)


def test_each_bad_record_is_logged_with_its_sequence_number_and_reason(
        aws: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    good = window_events()[0]
    datas = [encode(good), "%%%", encode("[1, 2")]
    batch = kinesis_batch(datas, fixture_name="kinesis-time-window-event.json", state={},
                          isFinalInvokeForWindow=False)
    aggregator.handler(batch, Context())
    logged = [r for r in caplog.records if r.levelname == "WARNING"]
    # kinesis_batch numbers the records' sequence numbers 0000000, 0000001, ...
    assert [(r.getMessage(), r.sequence_number) for r in logged] == [  # type: ignore[attr-defined]
        ("bad stream record", "49590338271490256608559692538361571095921575989130000001"),
        ("bad stream record", "49590338271490256608559692538361571095921575989130000002"),
    ]
    reasons = [r.reason for r in logged]  # type: ignore[attr-defined]
    assert reasons[0].startswith("malformed base64: ")
    assert reasons[1].startswith("malformed JSON: ")
