"""The distribution's tables and shape builders, without a program run: literal expectations."""

from __future__ import annotations

from pathlib import Path

from components.edge.cdn_tables import (
    BEHAVIORS,
    CACHE_POLICIES,
    FUNCTIONS,
    ORIGIN_REQUEST_POLICIES,
    REALTIME_LOG_FIELDS,
    api_origin_shape,
    behavior_shape,
    behaviors_in_use,
    cache_key_parameters,
    names_config,
    security_headers,
)

IDS = {
    "cache_policy_ids": {"static": "cp-static", "media": "cp-media", "api": "cp-api"},
    "origin_request_policy_ids": {"s3": "orp-s3", "api": "orp-api"},
    "headers_policy_id": "rhp-1",
    "function_arns": {"viewer": "arn:fn:viewer", "api": "arn:fn:api"},
}


def test_names_config_is_none_or_a_whitelist() -> None:
    assert names_config((), "header") == {"header_behavior": "none"}
    assert names_config(("Accept", "Origin"), "query_string") == {
        "query_string_behavior": "whitelist", "query_strings": {"items": ["Accept", "Origin"]}}


def test_cache_policies_ttls_and_keys() -> None:
    ttls = {key: (p.min_ttl, p.default_ttl, p.max_ttl) for key, p in CACHE_POLICIES.items()}
    assert ttls == {"static": (0, 86400, 31536000), "media": (0, 2592000, 31536000),
                    "api": (0, 0, 300)}
    assert cache_key_parameters(CACHE_POLICIES["static"]) == {
        "enable_accept_encoding_gzip": True,
        "enable_accept_encoding_brotli": True,
        "headers_config": {"header_behavior": "none"},
        "query_strings_config": {"query_string_behavior": "none"},
        "cookies_config": {"cookie_behavior": "none"},
    }
    assert cache_key_parameters(CACHE_POLICIES["media"])["headers_config"] == {
        "header_behavior": "whitelist", "headers": {"items": ["Accept"]}}
    api = cache_key_parameters(CACHE_POLICIES["api"])
    # Credentials are in the key, so a response never goes to another user.
    assert api["headers_config"] == {"header_behavior": "whitelist",
                                     "headers": {"items": ["Authorization", "Accept-Language"]}}
    assert api["query_strings_config"] == {
        "query_string_behavior": "whitelist",
        "query_strings": {"items": ["q", "category", "limit", "cursor"]}}
    assert api["cookies_config"] == {"cookie_behavior": "whitelist",
                                     "cookies": {"items": ["session"]}}


def test_origin_request_policies_never_forward_host() -> None:
    assert {key: p.headers for key, p in ORIGIN_REQUEST_POLICIES.items()} == {
        "s3": ("Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"),
        "api": ("Accept", "Content-Type", "Origin", "Referer", "User-Agent", "X-Request-Id",
                "CloudFront-Viewer-Country"),
    }


def test_behaviours_table() -> None:
    assert [(b.path, b.origin, b.cache_policy, b.origin_request_policy, b.function)
            for b in BEHAVIORS] == [
        ("/api/*", "api", "api", "api", "api"),
        ("/assets/*", "assets", "static", "s3", None),
        ("/media/*", "media", "media", "s3", "viewer"),
        (None, "assets", "static", "s3", "viewer"),
    ]
    assert BEHAVIORS[0].methods == ("GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE")
    assert {b.methods for b in BEHAVIORS[1:]} == {("GET", "HEAD", "OPTIONS")}


def test_without_an_api_origin_the_api_behaviour_is_left_out() -> None:
    assert [b.path for b in behaviors_in_use({"assets", "media"})] == [
        "/assets/*", "/media/*", None]
    assert [b.path for b in behaviors_in_use({"assets", "media", "api"})] == [
        "/api/*", "/assets/*", "/media/*", None]


def test_behaviour_shape_of_a_path_with_a_function_and_realtime_logs() -> None:
    media = BEHAVIORS[2]
    assert behavior_shape(media, realtime_config_arn="arn:rt", **IDS) == {
        "target_origin_id": "media",
        "viewer_protocol_policy": "https-only",
        "allowed_methods": ["GET", "HEAD", "OPTIONS"],
        "cached_methods": ["GET", "HEAD"],
        "compress": True,
        "cache_policy_id": "cp-media",
        "origin_request_policy_id": "orp-s3",
        "response_headers_policy_id": "rhp-1",
        "function_associations": [{"event_type": "viewer-request",
                                   "function_arn": "arn:fn:viewer"}],
        "realtime_log_config_arn": "arn:rt",
        "path_pattern": "/media/*",
    }


def test_default_behaviour_has_no_path_and_assets_run_no_function() -> None:
    default = behavior_shape(BEHAVIORS[3], realtime_config_arn=None, **IDS)
    assert "path_pattern" not in default
    assert "realtime_log_config_arn" not in default
    assert default["cache_policy_id"] == "cp-static"
    assert default["function_associations"] == [{"event_type": "viewer-request",
                                                 "function_arn": "arn:fn:viewer"}]
    assets = behavior_shape(BEHAVIORS[1], realtime_config_arn=None, **IDS)
    assert assets["function_associations"] == []
    assert assets["path_pattern"] == "/assets/*"


def test_security_headers() -> None:
    assert security_headers("default-src 'self'") == {
        "strict_transport_security": {"access_control_max_age_sec": 63072000,
                                      "include_subdomains": True, "preload": True,
                                      "override": True},
        "content_security_policy": {"content_security_policy": "default-src 'self'",
                                    "override": True},
        "content_type_options": {"override": True},
        "frame_options": {"frame_option": "DENY", "override": True},
        "referrer_policy": {"referrer_policy": "strict-origin-when-cross-origin",
                            "override": True},
    }


def test_api_origin_shape() -> None:
    assert api_origin_shape("abc.execute-api.eu-west-1.amazonaws.com", "/v1",
                            {"x-origin-verify": "s3cret"}, "eu-west-2") == {
        "origin_id": "api",
        "domain_name": "abc.execute-api.eu-west-1.amazonaws.com",
        "origin_path": "/v1",
        "custom_headers": [{"name": "x-origin-verify", "value": "s3cret"}],
        "custom_origin_config": {
            "http_port": 80, "https_port": 443, "origin_protocol_policy": "https-only",
            "origin_ssl_protocols": ["TLSv1.2"], "origin_read_timeout": 30,
            "origin_keepalive_timeout": 5,
        },
        "origin_shield": {"enabled": True, "origin_shield_region": "eu-west-2"},
    }
    assert api_origin_shape("d", "/v1", {}, "us-east-1")["custom_headers"] == []


def test_functions_and_realtime_fields() -> None:
    assert {key: str(path) for key, (path, _comment) in FUNCTIONS.items()} == {
        "viewer": "functions/edge/viewer_request.js", "api": "functions/edge/api_request.js"}
    assert all(Path(path).is_file() for path, _comment in FUNCTIONS.values())
    assert len(REALTIME_LOG_FIELDS) == 19
    assert REALTIME_LOG_FIELDS[:3] == ("timestamp", "c-ip", "cs-method")
