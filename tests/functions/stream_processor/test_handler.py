"""The stream processor on Kinesis batches built from AWS's sample Kinesis event."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import (
    KinesisStreamRecord,
)

from functions.shared import metrics as names
from tests.functions.analytics_support import (
    NAMESPACE,
    Context,
    emf_lines,
    emf_values,
    encode,
    eventbridge_event,
    kinesis_batch,
    set_environment,
)

set_environment()
from functions.stream_processor import handler as processor  # noqa: E402
from functions.stream_processor.enrichment import device_class  # noqa: E402

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
DESKTOP = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/120.0 Safari/537.36")
T = "2026-11-28T06:41:07Z"
BUSINESS = (("service", names.BUSINESS_SERVICE),)


def good_events() -> list[dict[str, Any]]:
    return [
        eventbridge_event("ListingCreated", {"listing_id": "l-1", "seller_id": "u-9",
                                             "category": "cars", "price": 1200,
                                             "currency": "EUR"}, time=T, event_id="e-1"),
        eventbridge_event("ListingViewed", {"listing_id": "l-1", "user_agent": IPHONE},
                          time=T, event_id="e-2"),
        eventbridge_event("ListingViewed", {"listing_id": "l-2", "category": "bikes",
                                            "user_agent": DESKTOP}, time=T, event_id="e-3"),
        eventbridge_event("SearchPerformed", {"query": "red bike", "result_count": 3,
                                              "user_agent": IPHONE}, time=T, event_id="e-4"),
        eventbridge_event("SearchPerformed", {"query": "unicorn", "result_count": 0},
                          time=T, event_id="e-5"),
        eventbridge_event("UserRegistered", {"user_id": "u-1"}, time=T, event_id="e-6"),
        eventbridge_event("ContactRequested", {"listing_id": "l-1", "user_id": "u-1"},
                          time=T, event_id="e-7"),
        eventbridge_event("ListingUpdated", {"listing_id": "l-1", "seller_id": "u-9",
                                             "category": "cars", "version": 2},
                          time=T, event_id="e-8"),
    ]


def bad_payloads() -> dict[str, str]:
    unknown = eventbridge_event("UserRegistered", {"user_id": "u-2"}, time=T)
    unknown["detail-type"] = "ListingExploded"
    violation = eventbridge_event("SearchPerformed", {"query": "x", "result_count": 1}, time=T)
    violation["detail"]["result_count"] = "three"
    foreign = eventbridge_event("UserRegistered", {"user_id": "u-3"}, time=T)
    foreign["source"] = "aws.events"
    return {
        "malformed base64": "!!not*base64!!",
        "malformed JSON": encode("{not json"),
        "unknown event type": encode(unknown),
        "schema violation": encode(violation),
        "foreign source": encode(foreign),
    }


# What the logged reason names for each kind of bad record.
REASONS = {"malformed base64": "malformed base64", "malformed JSON": "malformed JSON",
           "unknown event type": "unknown event type", "schema violation": "schema violation",
           "foreign source": "unexpected source"}


def run(datas: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], str]:
    capsys.readouterr()
    response = processor.handler(kinesis_batch(datas), Context())
    return response, capsys.readouterr().out


def expected_counts(events: list[dict[str, Any]]) -> dict[str, int]:
    # From the spec: which event types count towards which business metric.
    by_type = {"ListingCreated": [names.LISTINGS_CREATED], "ListingViewed": [names.LISTING_VIEWS],
               "UserRegistered": [names.REGISTRATIONS], "ContactRequested": [names.CONTACTS],
               "SearchPerformed": [names.SEARCHES]}
    counts: dict[str, int] = {}
    for e in events:
        metrics = list(by_type.get(e["detail-type"], []))
        if e["detail-type"] == "SearchPerformed" and e["detail"]["result_count"] > 0:
            metrics.append(names.SEARCHES_WITH_RESULTS)
        for m in metrics:
            counts[m] = counts.get(m, 0) + 1
    return counts


def test_good_records_become_business_metrics(capsys: pytest.CaptureFixture[str]) -> None:
    events = good_events()
    response, out = run([encode(e) for e in events], capsys)
    assert response == {"batchItemFailures": []}
    docs = emf_lines(out)
    assert docs
    assert all(d["_aws"]["CloudWatchMetrics"][0]["Namespace"] == NAMESPACE for d in docs)
    values = emf_values(docs)
    totals = {m: int(v) for (m, dims), v in values.items() if dims == BUSINESS}
    assert totals == expected_counts(events)
    assert set(totals) <= set(names.BUSINESS_METRICS)


def test_views_and_searches_are_broken_down_by_device_class(
        capsys: pytest.CaptureFixture[str]) -> None:
    events = good_events()
    _response, out = run([encode(e) for e in events], capsys)
    values = emf_values(emf_lines(out))
    by_device = {(m, dict(dims)["device_class"]): int(v) for (m, dims), v in values.items()
                 if "device_class" in dict(dims)}
    expected: dict[tuple[str, str], int] = {}
    for e in events:
        if e["detail-type"] in ("ListingViewed", "SearchPerformed"):
            metric = names.LISTING_VIEWS if e["detail-type"] == "ListingViewed" else names.SEARCHES
            key = (metric, device_class(e["detail"].get("user_agent")))
            expected[key] = expected.get(key, 0) + 1
            if e["detail"].get("result_count", 0) > 0:
                key = (names.SEARCHES_WITH_RESULTS, key[1])
                expected[key] = expected.get(key, 0) + 1
    assert by_device == expected
    # Low cardinality: only the fixed device classes appear as dimension values.
    assert {d for (_m, d) in by_device} <= {"bot", "tablet", "mobile", "desktop", "unknown"}


@pytest.mark.parametrize("kind", list(bad_payloads()))
def test_each_kind_of_bad_record_is_a_batch_item_failure(
        kind: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    good = [encode(e) for e in good_events()[:3]]
    datas = [good[0], bad_payloads()[kind], good[1], good[2]]
    batch = kinesis_batch(datas)
    capsys.readouterr()
    response = processor.handler(batch, Context())
    out = capsys.readouterr().out
    bad_sequence = batch["Records"][1]["kinesis"]["sequenceNumber"]
    assert response == {"batchItemFailures": [{"itemIdentifier": bad_sequence}]}
    logs = [r for r in caplog.records if r.getMessage() == "bad stream record"]
    assert [r.sequence_number for r in logs] == [bad_sequence]  # type: ignore[attr-defined]
    assert REASONS[kind] in logs[0].reason  # type: ignore[attr-defined]
    # The good records around it are still counted.
    totals = {m: int(v) for (m, dims), v in emf_values(emf_lines(out)).items() if dims == BUSINESS}
    assert totals == expected_counts(good_events()[:3])


def test_mixed_batch_reports_exactly_the_bad_sequence_numbers(
        capsys: pytest.CaptureFixture[str]) -> None:
    good = [encode(e) for e in good_events()]
    bad = list(bad_payloads().values())
    datas = [good[0], bad[0], good[1], bad[1], bad[2], good[2], bad[3], bad[4], good[3]]
    batch = kinesis_batch(datas)
    capsys.readouterr()
    response = processor.handler(batch, Context())
    bad_positions = [i for i, d in enumerate(datas) if d in bad]
    assert response["batchItemFailures"] == [
        {"itemIdentifier": batch["Records"][i]["kinesis"]["sequenceNumber"]}
        for i in bad_positions
    ]


# Nothing to count: Powertools warns that the invocation has no metrics, as it should.
@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_an_all_bad_batch_is_reported_not_raised(capsys: pytest.CaptureFixture[str]) -> None:
    bad = list(bad_payloads().values())
    batch = kinesis_batch(bad)
    response = processor.handler(batch, Context())
    assert len(response["batchItemFailures"]) == len(bad)


def test_duplicates_within_a_batch_are_counted_once(capsys: pytest.CaptureFixture[str]) -> None:
    events = good_events()
    view = events[1]
    response, out = run([encode(e) for e in events] + [encode(view), encode(view)], capsys)
    assert response == {"batchItemFailures": []}
    totals = {m: int(v) for (m, dims), v in emf_values(emf_lines(out)).items() if dims == BUSINESS}
    assert totals == expected_counts(events)


def test_category_is_enriched_from_a_listing_event_earlier_in_the_batch(
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    events = good_events()
    run([encode(e) for e in events], capsys)
    (summary,) = [r for r in caplog.records if r.getMessage() == "batch processed"]
    by_category = summary.by_category  # type: ignore[attr-defined]
    # l-1's view carries no category; ListingCreated of l-1 in the batch said "cars".
    assert by_category[f"{names.LISTING_VIEWS}/cars"] == 1
    assert by_category[f"{names.LISTING_VIEWS}/bikes"] == 1


@pytest.mark.parametrize(("agent", "expected"), [
    (IPHONE, "mobile"), (DESKTOP, "desktop"), (None, "unknown"), ("", "unknown"),
    ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) Mobile/15E148", "tablet"),
    ("Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Safari/537.36", "tablet"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537.36",
     "mobile"),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "bot"),
    ("something odd", "unknown"),
])
def test_device_class(agent: str | None, expected: str) -> None:
    assert device_class(agent) == expected


def sofa_events() -> list[dict[str, Any]]:
    """A batch with repeats per device and category, a one-result search and two duplicates."""
    created = eventbridge_event("ListingCreated", {"listing_id": "l-7", "seller_id": "u-2",
                                                   "category": "sofas", "price": 300,
                                                   "currency": "EUR"}, time=T, event_id="s-1")
    view = eventbridge_event("ListingViewed", {"listing_id": "l-7", "user_agent": IPHONE},
                             time=T, event_id="s-2")
    return [
        created,
        view,
        eventbridge_event("ListingViewed", {"listing_id": "l-7", "user_agent": IPHONE},
                          time=T, event_id="s-3"),
        eventbridge_event("SearchPerformed", {"query": "sofa", "category": "sofas",
                                              "result_count": 1, "user_agent": DESKTOP},
                          time=T, event_id="s-4"),
        eventbridge_event("SearchPerformed", {"query": "lamp", "result_count": 0,
                                              "user_agent": DESKTOP}, time=T, event_id="s-5"),
        view,
        view,
        eventbridge_event("ContactRequested", {"listing_id": "l-7"}, time=T, event_id="s-6"),
    ]


MOBILE = (("device_class", "mobile"), ("service", names.BUSINESS_SERVICE))
DESKTOP_DIMS = (("device_class", "desktop"), ("service", names.BUSINESS_SERVICE))


def test_the_batch_emits_exactly_these_series_and_values(
        capsys: pytest.CaptureFixture[str]) -> None:
    response, out = run([encode(e) for e in sofa_events()], capsys)
    assert response == {"batchItemFailures": []}
    docs = emf_lines(out)
    assert emf_values(docs) == {
        ("ListingsCreated", BUSINESS): 1.0,
        ("ListingViews", BUSINESS): 2.0,
        ("Searches", BUSINESS): 2.0,
        # result_count 1 is a search with results; 0 is not.
        ("SearchesWithResults", BUSINESS): 1.0,
        ("ContactRequests", BUSINESS): 1.0,
        ("ListingViews", MOBILE): 2.0,
        ("Searches", DESKTOP_DIMS): 2.0,
        ("SearchesWithResults", DESKTOP_DIMS): 1.0,
        # No CloudFront-Viewer-Country on these events: the "unknown" country group.
        ("ListingViews", (("country", "unknown"), ("service", "business"))): 2.0,
        ("Searches", (("country", "unknown"), ("service", "business"))): 2.0,
    }
    # Every metric of every EMF line (the invocation's blob and each per-device line) is a count.
    units = [m.get("Unit") for d in docs for directive in d["_aws"]["CloudWatchMetrics"]
             for m in directive["Metrics"]]
    assert len(units) == 10
    assert set(units) == {"Count"}


def test_the_summary_log_counts_records_duplicates_metrics_and_categories(
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    run([encode(e) for e in sofa_events()], capsys)
    (summary,) = [r for r in caplog.records if r.getMessage() == "batch processed"]
    assert summary.records == 8  # type: ignore[attr-defined]
    assert summary.failed == 0  # type: ignore[attr-defined]
    assert summary.duplicates == 2  # type: ignore[attr-defined]
    assert summary.counted == {  # type: ignore[attr-defined]
        "ListingsCreated": 1, "ListingViews": 2, "Searches": 2, "SearchesWithResults": 1,
        "ContactRequests": 1}
    # The views and the contact of l-7 carry no category: ListingCreated named it "sofas".
    assert summary.by_category == {  # type: ignore[attr-defined]
        "ContactRequests/sofas": 1, "ListingViews/sofas": 2, "ListingsCreated/sofas": 1,
        "Searches/sofas": 1, "Searches/unknown": 1, "SearchesWithResults/sofas": 1}


def test_a_batch_without_duplicates_logs_none(
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    run([encode(e) for e in sofa_events()[:5]], capsys)
    (summary,) = [r for r in caplog.records if r.getMessage() == "batch processed"]
    assert summary.duplicates == 0  # type: ignore[attr-defined]


def test_each_duplicate_is_logged_at_debug_with_its_sequence_number(
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger=processor.logger.name):
        run([encode(e) for e in sofa_events()], capsys)
    duplicates = [r for r in caplog.records if r.levelname == "DEBUG"
                  and r.getMessage() == "duplicate event in batch"]
    # kinesis_batch numbers the sequence numbers by position: the repeats are the 6th and 7th.
    assert [(r.sequence_number, r.event_id) for r in duplicates] == [  # type: ignore[attr-defined]
        ("49590338271490256608559692538361571095921575989130000005", "s-2"),
        ("49590338271490256608559692538361571095921575989130000006", "s-2"),
    ]


def test_a_bad_record_log_names_its_sequence_number_partition_key_and_reason(
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    run([encode(sofa_events()[0]), "!!not*base64!!"], capsys)
    (logged,) = [r for r in caplog.records if r.levelname == "WARNING"]
    assert logged.getMessage() == "bad stream record"
    assert logged.sequence_number == (  # type: ignore[attr-defined]
        "49590338271490256608559692538361571095921575989130000001")
    assert logged.partition_key == "s1"  # type: ignore[attr-defined]  # the sample's key
    assert logged.reason.startswith("malformed base64: ")  # type: ignore[attr-defined]


def test_the_record_handler_returns_the_type_and_whether_it_was_counted() -> None:
    view = sofa_events()[1]
    records = kinesis_batch([encode(view), encode(view)])["Records"]
    tally = processor.Tally()
    handle = processor.record_handler_for(tally)
    assert handle(KinesisStreamRecord(records[0])) == {"event_type": "ListingViewed",
                                                       "counted": True}
    assert handle(KinesisStreamRecord(records[1])) == {"event_type": "ListingViewed",
                                                       "counted": False}
    assert tally.totals == {"ListingViews": 1}
    assert tally.duplicates == 1


def business_events() -> list[dict[str, Any]]:
    """One of each revenue, subscription and customer-success event, and a few repeats."""
    def ev(event_type: str, n: int, **detail: Any) -> dict[str, Any]:
        return eventbridge_event(event_type, detail, time=T, event_id=f"b-{n}")
    return [
        ev("PaymentCompleted", 1, payment_id="p-1", user_id="u-1", amount_minor=1999,
           currency="EUR"),
        ev("PaymentCompleted", 2, payment_id="p-2", user_id="u-2", amount_minor=501,
           currency="EUR"),
        ev("PaymentCompleted", 3, payment_id="p-3", user_id="u-3", amount_minor=1200,
           currency="JPY"),
        ev("SubscriptionStarted", 4, subscription_id="s-1", user_id="u-1", plan="pro",
           mrr_minor=2900, currency="EUR", trial=False),
        ev("SubscriptionStarted", 5, subscription_id="s-2", user_id="u-2", plan="basic",
           mrr_minor=900, currency="EUR", trial=True),
        ev("TrialConverted", 6, subscription_id="s-3", user_id="u-4", plan="basic",
           mrr_minor=900, currency="USD"),
        ev("SubscriptionCancelled", 7, subscription_id="s-4", user_id="u-5", plan="pro",
           mrr_minor=2900, currency="USD", reason="price"),
        ev("OnboardingStepCompleted", 8, user_id="u-1", step="profile_completed"),
        ev("OnboardingStepCompleted", 9, user_id="u-2", step="profile_completed"),
        ev("OnboardingStepCompleted", 10, user_id="u-1", step="first_search"),
        ev("FeatureUsed", 11, user_id="u-1", feature="saved_search"),
        ev("SupportTicketOpened", 12, ticket_id="t-1", user_id="u-1", priority="high"),
        ev("SupportTicketResolved", 13, ticket_id="t-0", user_id="u-2", priority="low",
           resolution_seconds=5400),
        ev("SurveyAnswered", 14, user_id="u-1", survey="nps", score=10),
        ev("SurveyAnswered", 15, user_id="u-2", survey="nps", score=6),
        ev("SurveyAnswered", 16, user_id="u-3", survey="nps", score=8),
        ev("SurveyAnswered", 17, user_id="u-4", survey="csat", score=4),
        ev("UserRegistered", 18, user_id="u-6", signup_channel="paid_search", country="DE",
           user_agent=IPHONE),
        ev("ListingViewed", 19, listing_id="l-1", country="BR", user_agent=DESKTOP),
    ]


def dims(name: str, value: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(((name, value), ("service", "business"))))


def test_business_events_become_these_series_and_values(
        capsys: pytest.CaptureFixture[str]) -> None:
    response, out = run([encode(e) for e in business_events()], capsys)
    assert response == {"batchItemFailures": []}
    docs = emf_lines(out)
    assert emf_values(docs) == {
        ("Payments", BUSINESS): 3.0,
        # Money only per currency, in minor units: 1999 + 501 cents; 1200 yen.
        ("RevenueMinor", dims("currency", "EUR")): 2500.0,
        ("RevenueMinor", dims("currency", "JPY")): 1200.0,
        ("SubscriptionsStarted", BUSINESS): 2.0,
        ("TrialsStarted", BUSINESS): 1.0,
        ("TrialsConverted", BUSINESS): 1.0,
        ("SubscriptionsCancelled", BUSINESS): 1.0,
        # The paid start and the conversion add MRR; the trial start does not.
        ("MrrAddedMinor", dims("currency", "EUR")): 2900.0,
        ("MrrAddedMinor", dims("currency", "USD")): 900.0,
        ("MrrChurnedMinor", dims("currency", "USD")): 2900.0,
        ("OnboardingSteps", dims("step", "profile_completed")): 2.0,
        ("OnboardingSteps", dims("step", "first_search")): 1.0,
        ("FeatureUses", dims("feature", "saved_search")): 1.0,
        ("TicketsOpened", BUSINESS): 1.0,
        ("TicketsResolved", BUSINESS): 1.0,
        ("ResolutionSeconds", BUSINESS): 5400.0,
        ("SurveyResponses", dims("survey", "nps")): 3.0,
        ("SurveyResponses", dims("survey", "csat")): 1.0,
        # 10 is a promoter, 6 a detractor, 8 passive.
        ("NpsPromoters", BUSINESS): 1.0,
        ("NpsDetractors", BUSINESS): 1.0,
        ("CsatScoreTotal", BUSINESS): 4.0,
        ("Registrations", BUSINESS): 1.0,
        ("Registrations", dims("signup_channel", "paid_search")): 1.0,
        ("Registrations", dims("country", "DE")): 1.0,
        ("ListingViews", BUSINESS): 1.0,
        ("ListingViews", dims("device_class", "desktop")): 1.0,
        # Brazil is not a top country.
        ("ListingViews", dims("country", "other")): 1.0,
    }
    units = {m["Name"]: m.get("Unit") for d in docs for directive in d["_aws"]["CloudWatchMetrics"]
             for m in directive["Metrics"]}
    assert units["ResolutionSeconds"] == "Seconds"
    assert units["RevenueMinor"] == "Count"


@pytest.mark.parametrize(("country", "group"), [
    ("US", "US"), ("gb", "GB"), ("IN", "IN"), ("BR", "other"), ("XX", "other"),
    ("", "unknown"), (None, "unknown"), (7, "unknown")])
def test_country_group(country: Any, group: str) -> None:
    from functions.stream_processor.enrichment import country_group
    assert country_group(country) == group


def test_a_deployment_event_is_accepted_and_counts_no_business_metric() -> None:
    deploy = eventbridge_event("DeploymentCompleted", {
        "stack": "prod", "commit_sha": "0123abc", "outcome": "succeeded",
        "committed_at": "2026-11-28T06:00:00Z", "deployed_at": T, "lead_time_seconds": 2467,
    }, time=T, event_id="d-1")
    [record] = kinesis_batch([encode(deploy)])["Records"]
    tally = processor.Tally()
    assert processor.record_handler_for(tally)(KinesisStreamRecord(record)) == {
        "event_type": "DeploymentCompleted", "counted": True}
    assert tally.totals == {}


def test_an_incident_record_is_accepted_and_counts_no_business_metric() -> None:
    raised = eventbridge_event("AlertRaised", {
        "alert_key": "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:prod-api-5xx",
        "severity": "critical", "first_seen": 1764744000, "alert_source": "cloudwatch",
    }, time=T, event_id="a-1")
    [record] = kinesis_batch([encode(raised)])["Records"]
    tally = processor.Tally()
    assert processor.record_handler_for(tally)(KinesisStreamRecord(record)) == {
        "event_type": "AlertRaised", "counted": True}
    assert tally.totals == {}
