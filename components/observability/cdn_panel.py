"""The operations dashboard's "CDN performance": both edge layers side by side.

CloudFront's own metrics (``AWS/CloudFront``, us-east-1) for every distribution, and, when the
analytics collector is on, the Cloudflare zone's (the collector's custom metrics in the stack
namespace): requests served from each cache, status classes at the edge, WAF and rate-limit
actions, and the origin's response time as each layer sees it. The catalog graphs of both
kinds follow (their alarms' thresholds drawn on them), so the panel replaces their
"Infrastructure" sections.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from components.blocks.monitored_items import Kind, MonitoredItem
from components.observability.widgets import Widget, metric_row, metric_widget

CDN_KINDS = (Kind.CLOUDFLARE_ZONE, Kind.CLOUDFRONT)
# (title, [(metric, label)], stat) of the Cloudflare zone's graphs.
CLOUDFLARE_GRAPHS: tuple[tuple[str, tuple[tuple[str, str], ...], str], ...] = (
    ("Cloudflare requests: cached and uncached",
     (("CachedRequests", "cached"), ("UncachedRequests", "uncached")), "Sum"),
    ("Cloudflare edge status classes",
     (("Responses2xx", "2xx"), ("Responses3xx", "3xx"), ("Responses4xx", "4xx"),
      ("Responses5xx", "5xx")), "Sum"),
    ("Cloudflare WAF and rate limits",
     (("WafBlocks", "WAF blocks"), ("WafChallenges", "challenges"),
      ("RateLimitActions", "rate limited")), "Sum"),
    ("Cloudflare bytes served", (("EdgeResponseBytes", "bytes"),), "Sum"),
    ("Cloudflare origin response time", (("OriginResponseTime", "average ms"),), "Average"),
)
CLOUDFRONT_GRAPHS: tuple[tuple[str, tuple[tuple[str, str], ...], str], ...] = (
    ("CloudFront requests", (("Requests", "requests"),), "Sum"),
    ("CloudFront cache hit rate", (("CacheHitRate", "hit %"),), "Average"),
    ("CloudFront bytes served", (("BytesDownloaded", "bytes"),), "Sum"),
)


def _graphs(item: MonitoredItem, namespace: str,
            graphs: Sequence[tuple[str, tuple[tuple[str, str], ...], str]]) -> list[Widget]:
    return [metric_widget(f"{title} · {item.name}",
                          [metric_row(namespace, metric, item.dimensions, label=label)
                           for metric, label in metrics],
                          item.region, period=300, stat=stat, width=8)
            for title, metrics, stat in graphs]


def cdn_widgets(items: Sequence[MonitoredItem],
                catalog_graphs: Callable[[MonitoredItem], list[Widget]]) -> list[Widget]:
    """The panel's widgets: each zone's and distribution's graphs, then their catalog ones.

    The zone comes first whatever the items' order: it is the layer in front.
    """
    widgets: list[Widget] = []
    in_front_first = sorted((i for i in items if i.kind in CDN_KINDS),
                            key=lambda i: CDN_KINDS.index(i.kind))
    for item in in_front_first:
        if item.kind is Kind.CLOUDFLARE_ZONE:
            widgets += _graphs(item, str(item.attributes["namespace"]), CLOUDFLARE_GRAPHS)
        else:
            widgets += _graphs(item, "AWS/CloudFront", CLOUDFRONT_GRAPHS)
        widgets += catalog_graphs(item)
    return widgets
