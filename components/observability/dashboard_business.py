"""The business rows of the executive and customer-success dashboards (issue 13, §2 and §3).

Revenue and MRR are graphed per currency (money is never summed across currencies), in the
currency's minor unit, from the stream processor's per-currency series; breakdowns use the
declared value lists of :mod:`functions.shared.events`, so every row names a series the
processor emits (the ``metrics-have-a-source`` rule checks each one). Figures the metrics
cannot give (MRR as a level, churn rate, tickets open, funnels by cohort) are the lake's KPI
queries (Athena named queries and QuickSight datasets).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from components.observability.widgets import Grid, expression_row, metric_row, metric_widget
from functions.shared import events
from functions.shared import metrics as business
from functions.stream_processor.enrichment import DEVICE_CLASSES, OTHER_COUNTRY, TOP_COUNTRIES

if TYPE_CHECKING:
    from components.observability.dashboards import DashboardInputs

DAY = 86400
DAYS_PER_MONTH = 30.4375  # 365.25 / 12: a monthly spend spread over days


def _row(d: DashboardInputs, metric: str, extra: dict[str, str] | None = None,
         **options: Any) -> list[Any]:
    return metric_row(d.namespace, metric, {"service": business.BUSINESS_SERVICE, **(extra or {})},
                      **options)


def _per(d: DashboardInputs, metric: str, dimension: str, values: tuple[str, ...],
         **options: Any) -> list[list[Any]]:
    return [_row(d, metric, {dimension: v}, label=v, **options) for v in values]


def executive_rows(d: DashboardInputs, grid: Grid, marketing_spend_monthly_usd: float) -> None:
    """Revenue, MRR movement, subscriptions, satisfaction and acquisition cost."""
    grid.section("Revenue", "Per currency, in minor units (cents; yen for JPY).")
    grid.add(metric_widget("Revenue per day", _per(d, business.REVENUE_MINOR, "currency",
                                                   events.CURRENCIES),
                           d.region, period=DAY, width=12))
    grid.add(metric_widget("MRR added and churned per day", [
        *_per(d, business.MRR_ADDED_MINOR, "currency", events.CURRENCIES),
        *[_row(d, business.MRR_CHURNED_MINOR, {"currency": c}, label=f"{c} churned")
          for c in events.CURRENCIES],
    ], d.region, period=DAY, width=12))
    grid.add(metric_widget("Subscriptions", [
        _row(d, m, label=m) for m in (business.SUBSCRIPTIONS_STARTED, business.TRIALS_STARTED,
                                      business.TRIALS_CONVERTED,
                                      business.SUBSCRIPTIONS_CANCELLED)
    ], d.region, period=DAY, view="bar", width=8, extra={"setPeriodToTimeRange": True}))
    grid.add(_nps(d, width=8))
    grid.add(_acquisition_cost(d, marketing_spend_monthly_usd, width=8))
    grid.add(_active_users(d, width=24))


def _nps(d: DashboardInputs, width: int) -> dict[str, Any]:
    return metric_widget("Net promoter score", [
        _row(d, business.NPS_PROMOTERS, id="promoters", visible=False),
        _row(d, business.NPS_DETRACTORS, id="detractors", visible=False),
        _row(d, business.SURVEY_RESPONSES, {"survey": "nps"}, id="answers", visible=False),
        expression_row("IF(answers > 0, 100 * (promoters - detractors) / answers, 0)", "NPS"),
    ], d.region, period=DAY, width=width)


def _acquisition_cost(d: DashboardInputs, monthly_usd: float, width: int) -> dict[str, Any]:
    daily = monthly_usd / DAYS_PER_MONTH
    return metric_widget("Acquisition cost (USD per registration)", [
        _row(d, business.REGISTRATIONS, id="registrations", visible=False),
        expression_row(f"IF(registrations > 0, {daily:.2f} / registrations, 0)",
                       f"spend {monthly_usd:g} USD/month ÷ registrations"),
    ], d.region, period=DAY, width=width)


# ActiveUsers' ``period`` values (functions.window_aggregator.active_users.PERIOD_NAMES).
ACTIVE_USER_PERIODS = (("daily", "DAU"), ("weekly", "WAU"), ("monthly", "MAU"))


def _active_users(d: DashboardInputs, width: int) -> dict[str, Any]:
    # Every closing window of every shard publishes the same merged estimate: Maximum, not Sum.
    return metric_widget("Active users (DAU, WAU, MAU; HyperLogLog, ±4.9 %)", [
        _row(d, business.ACTIVE_USERS, {"period": period}, label=label, stat="Maximum")
        for period, label in ACTIVE_USER_PERIODS
    ], d.region, period=DAY, width=width)


def customer_success_rows(d: DashboardInputs, grid: Grid) -> None:
    """Active users, onboarding, features, satisfaction, support, subscriptions, devices,
    geography."""
    grid.section("Active users", "Distinct signed-in users per day, 7 days and 30 days.")
    grid.add(_active_users(d, width=24))
    grid.section("Onboarding and features", "Steps completed and feature uses per day.")
    grid.add(metric_widget("Onboarding steps completed", _per(
        d, business.ONBOARDING_STEPS, "step", events.ONBOARDING_STEPS),
        d.region, period=DAY, view="bar", width=12, extra={"setPeriodToTimeRange": True}))
    grid.add(metric_widget("Feature adoption (uses)", _per(
        d, business.FEATURE_USES, "feature", events.FEATURES),
        d.region, period=DAY, width=12))
    grid.section("Satisfaction and support")
    grid.add(_nps(d, width=6))
    grid.add(metric_widget("CSAT (mean, 1-5)", [
        _row(d, business.CSAT_SCORE_TOTAL, id="total", visible=False),
        _row(d, business.SURVEY_RESPONSES, {"survey": "csat"}, id="answers", visible=False),
        expression_row("IF(answers > 0, total / answers, 0)", "CSAT"),
    ], d.region, period=DAY, width=6))
    grid.add(metric_widget("Support tickets", [
        _row(d, business.TICKETS_OPENED, label="opened"),
        _row(d, business.TICKETS_RESOLVED, label="resolved"),
    ], d.region, period=DAY, width=6))
    grid.add(metric_widget("Mean time to resolve (hours)", [
        _row(d, business.RESOLUTION_SECONDS, id="seconds", visible=False),
        _row(d, business.TICKETS_RESOLVED, id="resolved", visible=False),
        expression_row("IF(resolved > 0, seconds / resolved / 3600, 0)", "hours"),
    ], d.region, period=DAY, width=6))
    grid.section("Trials and churn")
    grid.add(metric_widget("Trial-to-paid (%)", [
        _row(d, business.TRIALS_STARTED, id="trials", visible=False),
        _row(d, business.TRIALS_CONVERTED, id="converted", visible=False),
        expression_row("IF(trials > 0, 100 * converted / trials, 0)",
                       "conversions per trial started"),
    ], d.region, period=7 * DAY, width=12))
    grid.add(metric_widget("Cancellations", [
        _row(d, business.SUBSCRIPTIONS_CANCELLED, label="cancelled"),
        _row(d, business.SUBSCRIPTIONS_STARTED, label="started"),
    ], d.region, period=DAY, width=12))
    grid.section("Devices and geography", "Listing views per device class and viewer country.")
    grid.add(metric_widget("Listing views by device (mobile vs desktop)", _per(
        d, business.LISTING_VIEWS, "device_class", DEVICE_CLASSES),
        d.region, period=DAY, view="pie", width=12, extra={"setPeriodToTimeRange": True}))
    grid.add(metric_widget("Listing views by country", _per(
        d, business.LISTING_VIEWS, "country", (*TOP_COUNTRIES, OTHER_COUNTRY)),
        d.region, period=DAY, view="bar", width=12, extra={"setPeriodToTimeRange": True}))
    grid.add(metric_widget("Registrations by channel", _per(
        d, business.REGISTRATIONS, "signup_channel", events.SIGNUP_CHANNELS),
        d.region, period=DAY, view="bar", width=24, extra={"setPeriodToTimeRange": True}))
