"""Config keys of the listings backend: table, DAX, network, app cache, REST API, user pool.

Data only: read by :mod:`components.config`, which imports nothing downstream of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from components.config.spec import KeySpec, Section
from components.config.values import positive_int

# Values the AWS APIs accept.
BILLING_MODES = ("PAY_PER_REQUEST", "PROVISIONED")
DAX_NODE_TYPES = (
    "dax.t3.small", "dax.t3.medium", "dax.r5.large", "dax.r5.xlarge", "dax.r5.2xlarge",
    "dax.r5.4xlarge", "dax.r5.8xlarge", "dax.r5.12xlarge", "dax.r5.16xlarge", "dax.r5.24xlarge",
)
API_CACHE_SIZES_GB = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")
API_CACHED_ROUTES = ("getListing", "featured", "sellerListings", "categoryListings", "search")
VPC_ENDPOINT_SERVICES = ("events", "logs", "monitoring", "xray", "sqs", "sts", "kms")
CIDR_RE = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/(1[6-9]|2[0-4])$")
LAYER_ARN_RE = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$")
STAGE_RE = re.compile(r"^[A-Za-z0-9_]{1,128}$")
SES_IDENTITY_RE = re.compile(
    r"^([A-Za-z0-9._%+-]+@)?(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# "Name <address>" or a bare address, as Cognito's EmailConfiguration.From takes it.
EMAIL_FROM_RE = re.compile(r"^(?:[^<>]{1,100} <(?P<a>[^<>\s]+)>|(?P<b>[^<>\s]+))$")
SES_CONFIGURATION_SET_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
API_CACHE_TTLS = {"getListing": 60, "featured": 300, "sellerListings": 30,
                  "categoryListings": 30, "search": 30}

# DynamoDB's Contributor Insights modes, and "off".
CONTRIBUTOR_INSIGHTS_MODES = ("ACCESSED_AND_THROTTLED_KEYS", "THROTTLED_KEYS", "off")

@dataclass(frozen=True)
class BackendConfig:
    """The listings backend: table, DAX, network, app cache, REST API, functions and SLO."""

    billing_mode: str
    read_capacity_min: int
    read_capacity_max: int
    write_capacity_min: int
    write_capacity_max: int
    capacity_target_percent: int
    table_deletion_protection: bool
    # Contributor Insights on the table and its indexes: "off", or the DynamoDB mode.
    table_contributor_insights: str
    category_shards: int
    listing_ttl_days: int
    dax_enabled: bool
    dax_node_type: str
    dax_node_count: int
    dax_item_ttl_seconds: int
    dax_query_ttl_seconds: int
    api_clients_layer_arn: str | None
    vpc_cidr: str
    vpc_az_count: int
    vpc_interface_endpoints: tuple[str, ...]
    app_cache_enabled: bool
    app_cache_ttl_seconds: int
    app_cache_max_data_gb: int
    app_cache_max_ecpu_per_second: int
    app_cache_snapshot_retention_days: int
    api_stage_name: str
    api_throttle_rate_limit: int
    api_throttle_burst_limit: int
    api_cache_enabled: bool
    api_require_cloudfront: bool
    api_cache_size_gb: str
    api_cache_ttls: dict[str, int]
    api_memory_mb: int
    api_provisioned_concurrency: int
    post_confirmation_memory_mb: int
    user_pool_deletion_protection: bool
    # SES sending for the pool: a verified identity (domain or address) in the stack's
    # Region, the From address and an optional configuration set; None keeps COGNITO_DEFAULT.
    user_pool_ses_identity: str | None
    user_pool_email_from: str | None
    user_pool_ses_configuration_set: str | None
    slo_availability_percent: float
    slo_latency_ms: int
    slo_latency_percent: float

    @property
    def needs_vpc(self) -> bool:
        """Whether anything the backend runs needs the VPC (DAX or the app cache)."""
        return self.dax_enabled or self.app_cache_enabled


def _cache_ttl(text: str) -> int:
    seconds = positive_int(text)
    if seconds > 3600:
        raise ValueError(f"{seconds} is out of range; API Gateway caches 0..3600 seconds")
    return seconds


BACKEND = Section(
    "backend", "backend (listings API, table, DAX, network, caches, user pool)", "backend.md",
    BackendConfig, (
    KeySpec("tableBillingMode", "billing_mode", "string", "PAY_PER_REQUEST", choices=BILLING_MODES,
            description=("Listings table billing, PAY_PER_REQUEST (on-demand) or PROVISIONED "
                         "(target-tracking autoscaling on the table and every GSI).")),
    KeySpec("tableReadCapacityMin", "read_capacity_min", "integer", 5, minimum=1, maximum=40000,
            description=("Provisioned billing only - lowest read capacity autoscaling may set, for "
                         "the table and for each GSI.")),
    KeySpec("tableReadCapacityMax", "read_capacity_max", "integer", 100, minimum=1, maximum=40000,
            description=("Provisioned billing only - highest read capacity autoscaling may set, for"
                         " the table and for each GSI.")),
    KeySpec("tableWriteCapacityMin", "write_capacity_min", "integer", 5, minimum=1, maximum=40000,
            description=("Provisioned billing only - lowest write capacity autoscaling may set, for"
                         " the table and for each GSI.")),
    KeySpec("tableWriteCapacityMax", "write_capacity_max", "integer", 100, minimum=1, maximum=40000,
            description=("Provisioned billing only - highest write capacity autoscaling may set, "
                         "for the table and for each GSI.")),
    KeySpec("tableCapacityTargetPercent", "capacity_target_percent", "integer", 70, minimum=20,
            maximum=90,
            description=("Consumed/provisioned capacity utilisation (20-90 %) that autoscaling "
                         "tracks.")),
    KeySpec("tableContributorInsights", "table_contributor_insights", "string",
            "ACCESSED_AND_THROTTLED_KEYS", choices=CONTRIBUTOR_INSIGHTS_MODES,
            description=("Contributor Insights on the table and every index: "
                         "ACCESSED_AND_THROTTLED_KEYS, THROTTLED_KEYS (half the rules) or off; "
                         "each rule costs a monthly fee.")),
    KeySpec("tableDeletionProtection", "table_deletion_protection", "boolean", True,
            description="Refuse deleting the listings table (on in prod)."),
    KeySpec("categoryShards", "category_shards", "integer", 4, minimum=1, maximum=32,
            description=("Write shards (1-32) of the category feed index gsi2; reads scatter-gather"
                         " over all of them.")),
    KeySpec("listingTtlDays", "listing_ttl_days", "integer", 0, minimum=0, maximum=3650,
            description=("Days after which DynamoDB TTL removes a listing (0 keeps listings until "
                         "deleted).")),
    KeySpec("daxEnabled", "dax_enabled", "boolean", False,
            description="Put a DAX cluster (in the VPC) in front of the listings table for reads."),
    KeySpec("daxNodeType", "dax_node_type", "string", "dax.t3.small", choices=DAX_NODE_TYPES,
            description="DAX node type, e.g. dax.t3.small or dax.r5.large."),
    KeySpec("daxNodeCount", "dax_node_count", "integer", 3, minimum=1, maximum=11,
            description="DAX nodes (1-11); 3 or more spreads them over the availability zones."),
    KeySpec("daxItemTtlSeconds", "dax_item_ttl_seconds", "integer", 300, minimum=0, maximum=86400,
            description="DAX item cache TTL (record-ttl-millis) in seconds."),
    KeySpec("daxQueryTtlSeconds", "dax_query_ttl_seconds", "integer", 60, minimum=0, maximum=86400,
            description="DAX query cache TTL (query-ttl-millis) in seconds."),
    KeySpec("vpcCidr", "vpc_cidr", "string", "10.40.0.0/16", pattern=CIDR_RE,
            what="an IPv4 CIDR block with a /16../24 prefix",
            description=("IPv4 CIDR (/16 to /24) of the backend VPC, created only when DAX or the "
                         "app cache is on.")),
    KeySpec("vpcAzCount", "vpc_az_count", "integer", 2, minimum=2, maximum=3,
            description="Availability zones (2-3) with a private subnet each."),
    KeySpec("vpcInterfaceEndpoints", "vpc_interface_endpoints", "array", ("events", "logs"),
            choices=VPC_ENDPOINT_SERVICES,
            description=("Interface VPC endpoints the in-VPC functions need (events, logs, "
                         "monitoring, xray, sqs, sts, kms); DynamoDB always gets a gateway "
                         "endpoint.")),
    KeySpec("appCacheEnabled", "app_cache_enabled", "boolean", False,
            description="Create the ElastiCache Serverless (Valkey) application cache in the VPC."),
    KeySpec("appCacheMaxDataGb", "app_cache_max_data_gb", "integer", 5, minimum=1, maximum=5000,
            description="App cache data storage limit in GB."),
    KeySpec("appCacheMaxEcpuPerSecond", "app_cache_max_ecpu_per_second", "integer", 5000,
            minimum=1000, maximum=15000000,
            description="App cache ElastiCache Processing Units per second limit."),
    KeySpec("appCacheSnapshotRetentionDays", "app_cache_snapshot_retention_days", "integer", 1,
            minimum=0, maximum=35,
            description="Days (0-35) the app cache keeps its daily snapshots."),
    KeySpec("apiStageName", "api_stage_name", "string", "v1", pattern=STAGE_RE,
            what="a stage name (letters, digits, underscore)",
            description="Name of the REST API stage (the first path segment of the API URL)."),
    KeySpec("apiThrottleRateLimit", "api_throttle_rate_limit", "integer", 100, minimum=1,
            maximum=10000,
            description="Steady-state requests per second the stage allows per method."),
    KeySpec("apiThrottleBurstLimit", "api_throttle_burst_limit", "integer", 200, minimum=1,
            maximum=5000,
            description="Request burst the stage allows per method."),
    KeySpec("apiRequireCloudFront", "api_require_cloudfront", "boolean", False,
            description=("Block requests to the API stage that did not come through CloudFront "
                         "(a secret origin header checked by a regional AWS WAF web ACL on the "
                         "stage).")),
    KeySpec("apiCacheEnabled", "api_cache_enabled", "boolean", False,
            description=("Provision the encrypted API Gateway stage cache for the cacheable GET "
                         "routes.")),
    KeySpec("apiCacheSizeGb", "api_cache_size_gb", "string", "0.5", choices=API_CACHE_SIZES_GB,
            description="Stage cache size in GB (0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118, 237)."),
    KeySpec("apiCacheTtlSeconds", "api_cache_ttls", "table",
            API_CACHE_TTLS,
            names=API_CACHED_ROUTES, parse=_cache_ttl,
            description=("Per-route stage cache TTLs as name=seconds (0-3600); names getListing, "
                         "featured, sellerListings, categoryListings, search.")),
    KeySpec("apiMemoryMb", "api_memory_mb", "integer", 1024, minimum=128, maximum=10240,
            description="Memory of the listings API function in MB."),
    KeySpec("apiProvisionedConcurrency", "api_provisioned_concurrency", "integer", 0, minimum=0,
            maximum=1000,
            description=("Provisioned concurrency on the API function's live alias that API Gateway"
                         " invokes (0 = none).")),
    KeySpec("postConfirmationMemoryMb", "post_confirmation_memory_mb", "integer", 256, minimum=128,
            maximum=10240,
            description="Memory of the Cognito post-confirmation trigger in MB."),
    KeySpec("userPoolDeletionProtection", "user_pool_deletion_protection", "boolean", True,
            description="Refuse deleting the Cognito user pool (on in prod)."),
    KeySpec("userPoolSesIdentity", "user_pool_ses_identity", "optional", pattern=SES_IDENTITY_RE,
            what="a verified SES identity: a domain or an email address",
            description=("Verified Amazon SES identity (domain or email address) in the stack's "
                         "region that the user pool sends its email through (DEVELOPER); empty "
                         "keeps Cognito's default email and its daily quota.")),
    KeySpec("userPoolEmailFrom", "user_pool_email_from", "optional", pattern=EMAIL_FROM_RE,
            what="'Name <address>' or an address",
            description=("From address of the user pool's email ('Name <address>' or an address) at"
                         " the SES identity; defaults to no-reply@ the identity's domain.")),
    KeySpec("userPoolSesConfigurationSet", "user_pool_ses_configuration_set", "optional",
            pattern=SES_CONFIGURATION_SET_RE,
            what="an SES configuration set name (letters, digits, _ and -, up to 64)",
            description=("Existing SES configuration set applied to the user pool's email (event "
                         "publishing); empty for none.")),
    KeySpec("apiSloAvailabilityPercent", "slo_availability_percent", "number", 99.9, minimum=90,
            maximum=100,
            description="Availability SLO of the API stage in percent (decimal, e.g. \"99.9\")."),
    KeySpec("apiSloLatencyMs", "slo_latency_ms", "integer", 400, minimum=1, maximum=29000,
            description="Latency SLO threshold of the API stage in milliseconds."),
    KeySpec("apiSloLatencyPercent", "slo_latency_percent", "number", 99.0, minimum=50, maximum=100,
            description=('Share of requests (decimal percent, e.g. "99") that must be faster '
                         "than apiSloLatencyMs.")),
    KeySpec("apiClientsLayerArn", "api_clients_layer_arn", "optional", pattern=LAYER_ARN_RE,
            what="a Lambda layer version ARN",
            description=("A published Lambda layer version with the API's optional clients (amazon-"
                         "dax-client, redis); empty makes the stack publish build/api-clients "
                         "(`make layers`) when daxEnabled or appCacheEnabled is true.")),
    KeySpec("appCacheTtlSeconds", "app_cache_ttl_seconds", "integer", 30, minimum=1, maximum=86400,
            description=("How long the app cache keeps a feed page or search result (a write to its"
                         " seller or category makes it stale at once).")),
))
