"""Cross-field rules: small named checks over one section's values, after its keys are read.

Each rule takes the Reader (to record problems), the section's values (which it may
complete with derived values) and the sections read before it (plus ``project`` and
``stack``). :data:`RULES` lists them per section; the loop in
:func:`components.config.spec.read_section` runs them in that order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.alerting.config_keys import parse_route
from components.backend.config_keys import CIDR_RE, EMAIL_FROM_RE
from components.config.reader import Reader
from components.config.spec import Rule
from components.platform.config_keys import SNAPSTART_RUNTIMES

Values = dict[str, Any]


def platform_identity(r: Reader, values: Values, before: Mapping[str, Any]) -> None:
    """The project and stack come from the engine, not from keys."""
    values["project"], values["stack"] = before["project"], before["stack"]


def webp_needs_polish(r: Reader, values: Values, before: Mapping[str, Any]) -> None:
    """Cloudflare converts to WebP only as part of Polish."""
    if values["webp"] and values["polish"] == "off":
        r.fail("cloudflareWebp", "WebP conversion needs Polish; set cloudflarePolish to "
               "lossless or lossy, or cloudflareWebp to false")


def cloudflare_required(r: Reader, values: Values, before: Mapping[str, Any]) -> None:
    """The provider needs its API token and the zone id; neither has a usable default."""
    if values["cloudflare_api_token"] is None:
        r.fail("cloudflareApiToken", "is required (a secret: pulumi config set --secret)")
    if not r.is_set("cloudflareZoneId"):
        r.fail("cloudflareZoneId", "is required (32 hex digits, from the Cloudflare dashboard)")


def lake_transitions(r: Reader, values: Values, before: Mapping[str, Any]) -> None:
    """Lake objects go to Glacier 30 days after IA at the earliest, and expire after that."""
    ia_days, glacier_days = values["lake_ia_days"], values["lake_glacier_days"]
    # S3 keeps an object 30 days in STANDARD_IA before a further transition is allowed.
    if glacier_days < ia_days + 30:
        r.fail("analyticsLakeGlacierDays",
               f"{glacier_days} must be at least analyticsLakeIaDays + 30 ({ia_days + 30})")
    expiration = values["lake_expiration_days"]
    if expiration and expiration <= glacier_days:
        r.fail("analyticsLakeExpirationDays",
               f"{expiration} must be 0 (keep) or after analyticsLakeGlacierDays ({glacier_days})")


# Cloudflare plans in order; a gate names the lowest plan that has the setting.
PLAN_ORDER = ("free", "pro", "business", "enterprise")
# (key, test on the section's values, lowest plan, what the plan lacks). Sources:
# developers.cloudflare.com/cache/how-to/tiered-cache/#availability (plans: Generic Global and
# Regional Tiered Cache Enterprise-only), .../images/polish/ (Pro and above),
# .../ddos-protection/managed-rulesets/http/override-parameters/ (log: Enterprise).
CLOUDFLARE_PLAN_GATES: tuple[tuple[str, Any, str, str], ...] = (
    ("cloudflareTieredCacheTopology", lambda v: v["tiered_cache_topology"] == "generic",
     "enterprise", "the Generic Global topology"),
    ("cloudflareRegionalTieredCache", lambda v: v["regional_tiered_cache"],
     "enterprise", "Regional Tiered Cache"),
    ("cloudflareDdosAction", lambda v: v["ddos_action"] == "log",
     "enterprise", "the log action of the HTTP DDoS ruleset"),
    ("cloudflarePolish", lambda v: v["polish"] != "off", "pro", "Polish"),
)


def cloudflare_plan_gates(r: Reader, values: Values, before: Mapping[str, Any]) -> None:
    """Refuse a setting the zone's plan does not have, naming the key and the plan it needs."""
    plan = values["plan"]
    for key, wanted, lowest, what in CLOUDFLARE_PLAN_GATES:
        if wanted(values) and PLAN_ORDER.index(plan) < PLAN_ORDER.index(lowest):
            r.fail(key, f"{what} needs the {lowest} plan or higher; cloudflarePlan is {plan}")
    if values["advanced_ddos"] and plan != "enterprise":
        r.fail("cloudflareAdvancedDdos", f"Advanced DDoS Protection is an Enterprise add-on; "
               f"cloudflarePlan is {plan}")
    # The log action needs the Advanced DDoS subscription as well as Enterprise.
    if values["ddos_action"] == "log" and plan == "enterprise" and not values["advanced_ddos"]:
        r.fail("cloudflareDdosAction", "the log action needs the Advanced DDoS Protection "
               "subscription; set cloudflareAdvancedDdos to true or choose another action")
    if values["regional_tiered_cache"] and values["tiered_cache_topology"] != "smart":
        r.fail("cloudflareRegionalTieredCache", "Regional Tiered Cache works under the smart "
               "topology; set cloudflareTieredCacheTopology to smart")


def analytics_required(r: Reader, values: Values, before: Mapping[str, Any]) -> None:
    """InfluxDB needs its admin password; QuickSight needs a principal to grant."""
    if values["timeseries"] == "influxdb" and values["influx_password"] is None:
        r.fail("analyticsInfluxPassword",
               "is required when analyticsTimeseries is influxdb "
               "(pulumi config set --secret analyticsInfluxPassword)")
    if (values["quicksight_enabled"] and values["quicksight_principal"] is None
            and not r.is_set("analyticsQuicksightPrincipal")):
        r.fail("analyticsQuicksightPrincipal",
               "is required when analyticsQuicksightEnabled is true (user/<name> or group/<name>)")


def cold_start_strategies(r: Reader, values: Values, before: Mapping[str, Any]) -> None:
    """Only the API has a provisioned count; SnapStart needs a runtime that supports it."""
    for name, strategy in values["cold_start"].items():
        if strategy == "provisioned" and name != "api":
            r.fail("lambdaColdStart", f"{name}=provisioned: only the API has a provisioned count "
                   "(apiProvisionedConcurrency); use none or snapstart")
        if strategy == "snapstart" and values["runtime"] not in SNAPSTART_RUNTIMES:
            r.fail("lambdaColdStart", f"{name}=snapstart needs a runtime SnapStart supports "
                   f"({', '.join(SNAPSTART_RUNTIMES)}), not lambdaRuntime {values['runtime']}")


def api_cold_start(r: Reader, values: Values, before: Mapping[str, Any]) -> None:
    """SnapStart does not support provisioned concurrency; ``provisioned`` needs a count.

    https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html ("Supported features and
    limitations"). A count alone (no ``api=`` row) still means provisioned.
    """
    strategy = before["lambdas"].cold_start.get("api", "none")
    count = values["api_provisioned_concurrency"]
    if strategy == "snapstart" and count > 0:
        r.fail("lambdaColdStart", f"api=snapstart cannot be combined with "
               f"apiProvisionedConcurrency ({count}): SnapStart does not support provisioned "
               "concurrency; set apiProvisionedConcurrency to 0 or use api=provisioned")
    if strategy == "provisioned" and count == 0:
        r.fail("apiProvisionedConcurrency", "must be at least 1 when lambdaColdStart has "
               "api=provisioned (or use api=none or api=snapstart)")


def capacity_ranges(r: Reader, values: Values, before: Mapping[str, Any]) -> None:
    """Autoscaling's maximum is not below its minimum (the minimum wins if it is)."""
    for kind in ("read", "write"):
        low, high = values[f"{kind}_capacity_min"], values[f"{kind}_capacity_max"]
        if high < low:
            name = f"table{kind.capitalize()}Capacity"
            r.fail(f"{name}Max", f"{high} is below {name}Min ({low})")
        values[f"{kind}_capacity_max"] = max(low, high)


def vpc_cidr_octets(r: Reader, values: Values, before: Mapping[str, Any]) -> None:
    """The CIDR pattern admits three digits per octet; AWS admits up to 255."""
    cidr = values["vpc_cidr"]
    match = CIDR_RE.match(cidr)
    if match and any(int(octet) > 255 for octet in match.groups()[:4]):
        r.fail("vpcCidr", f"{cidr!r} has an octet above 255")


def user_pool_email(r: Reader, values: Values, before: Mapping[str, Any]) -> None:
    """SES sending needs the identity; the sender defaults to it and must be covered by it."""
    identity = values["user_pool_ses_identity"]
    sender = values["user_pool_email_from"]
    if identity is None:
        for key, value in (("userPoolEmailFrom", sender),
                           ("userPoolSesConfigurationSet",
                            values["user_pool_ses_configuration_set"])):
            if value is not None:
                r.fail(key, "needs userPoolSesIdentity (Cognito's default email sends from "
                       "its own address, without a configuration set)")
        values["user_pool_email_from"] = values["user_pool_ses_configuration_set"] = None
        return
    domain = identity.rpartition("@")[2]
    if sender is None:
        sender = f"no-reply@{domain}" if "@" not in identity else identity
    match = EMAIL_FROM_RE.match(sender)
    address = (match.group("a") or match.group("b")) if match else sender
    # SES sends only from the verified address, or from any address of a verified domain.
    if address != identity and address.rpartition("@")[2] != identity:
        r.fail("userPoolEmailFrom", f"{address!r} is not covered by the SES identity "
               f"{identity!r}; send from that address or from an address at that domain")
    values["user_pool_email_from"] = sender


def alert_routes(r: Reader, values: Values, before: Mapping[str, Any]) -> None:
    """Parse the routing rules: a rule may name only the channels of alertSlackChannels."""
    routes = []
    for index, entry in r.entries("alertRoutes"):
        try:
            routes.append(parse_route(entry, values["slack_channels"]))
        except ValueError as exc:
            r.fail(f"alertRoutes[{index}]", str(exc))
    values["routes"] = tuple(routes)


def chatbot_pair(r: Reader, values: Values, before: Mapping[str, Any]) -> None:
    """Chatbot needs both the Slack team and the channel, or neither."""
    team, channel = r.is_set("chatbotSlackTeamId"), r.is_set("chatbotSlackChannelId")
    if team != channel:
        r.fail("chatbotSlackTeamId" if channel else "chatbotSlackChannelId",
               "set both chatbotSlackTeamId and chatbotSlackChannelId, or neither")


def alert_path(r: Reader, values: Values, before: Mapping[str, Any]) -> None:
    """The alert-path topic needs someone to email; the heartbeat a declared channel."""
    if values["alert_path_watch"] and not values["alert_path_emails"]:
        r.fail("alertPathEmails", "is required with alertPathWatch (at least one address)")
    target = values["heartbeat_target"]
    if target and target.partition(":")[2] not in values["slack_channels"]:
        r.fail("alertHeartbeatTarget", f"{target!r} names no channel of alertSlackChannels")


def trail_lock_within_retention(r: Reader, values: Values, before: Mapping[str, Any]) -> None:
    """Expiring a log file that Object Lock still protects fails: keep it at least as long."""
    lock, retention = values["trail_object_lock_days"], values["trail_retention_days"]
    if lock > retention:
        r.fail("trailRetentionDays", f"{retention} is shorter than trailObjectLockDays ({lock})")


def account_singletons(r: Reader, values: Values, before: Mapping[str, Any]) -> None:
    """GuardDuty's detector and Security Hub exist once per account and region.

    Their keys take effect only in the stack that owns the account baseline. (The CLI hands
    every stack Pulumi.yaml's default, so an explicit value cannot be told from the default.)
    """
    owns = before["platform"].owns_account_baseline
    values["guardduty_enabled"] = values["guardduty_enabled"] and owns
    values["securityhub_enabled"] = values["securityhub_enabled"] and owns
    # The report reads the hub's findings: nothing to report without it.
    values["compliance_report_enabled"] = (values["compliance_report_enabled"]
                                           and values["securityhub_enabled"])


def securityhub_standards_once(r: Reader, values: Values, before: Mapping[str, Any]) -> None:
    """A standard is subscribed once: a repeated name would plan two subscriptions of it."""
    seen: set[str] = set()
    for name in values["securityhub_standards"]:
        if name in seen:
            r.fail("securityHubStandards", f"{name!r} is listed twice; list each standard once")
        seen.add(name)


RULES: Mapping[str, tuple[Rule, ...]] = {
    "platform": (platform_identity,),
    "lambdas": (cold_start_strategies,),
    "edge": (webp_needs_polish, cloudflare_required, cloudflare_plan_gates),
    "analytics": (lake_transitions, analytics_required),
    "backend": (capacity_ranges, vpc_cidr_octets, user_pool_email, api_cold_start),
    "alerting": (alert_routes, chatbot_pair, alert_path),
    "security": (trail_lock_within_retention, securityhub_standards_once, account_singletons),
}
