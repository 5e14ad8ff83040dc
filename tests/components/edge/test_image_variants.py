"""The Lambda@Edge image function in the stacks' plans: placement, package, wiring, key."""

from __future__ import annotations

import json
from typing import Any

import pulumi

from components.edge.image_variants import package, settings_json
from tests.components.edge.test_edge import behaviors, distribution
from tools.mock_runtime import Registry, Resource

LAMBDA = "aws:lambda/function:Function"


def edge_function(registry: Registry) -> Resource:
    (found,) = [f for f in registry.by_type(LAMBDA) if f.name.endswith("-image-variants-function")]
    return found


def test_the_function_is_placed_as_lambda_at_edge_requires(prod: Registry) -> None:
    fn = edge_function(prod)
    assert fn.region == "us-east-1"
    assert fn.inputs["architectures"] == ["x86_64"]
    assert fn.inputs["publish"] is True
    assert fn.inputs["timeout"] == 30
    assert fn.inputs["memorySize"] == 1024
    assert fn.inputs["handler"] == "functions.image_variants.handler.handler"
    assert "environment" not in fn.inputs
    assert "layers" not in fn.inputs
    assert fn.inputs["tags"] == {"lambda-placement": "edge"}


def test_its_role_is_assumed_by_lambda_and_edgelambda(prod: Registry) -> None:
    (role,) = [r for r in prod.by_type("aws:iam/role:Role")
               if r.name.endswith("-image-variants-role")]
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"]["Service"] == [
        "lambda.amazonaws.com", "edgelambda.amazonaws.com"]


def test_the_media_behaviour_runs_its_numbered_version_on_origin_request(
        prod: Registry) -> None:
    fn = edge_function(prod)
    by_path = behaviors(distribution(prod))
    assert by_path["/media/*"]["lambdaFunctionAssociations"] == [
        {"eventType": "origin-request", "lambdaArn": fn.outputs["qualifiedArn"],
         "includeBody": False}]
    assert all("lambdaFunctionAssociations" not in b
               for path, b in by_path.items() if path != "/media/*")


def test_dev_leaves_it_off_and_media_is_served_as_stored(dev: Registry) -> None:
    # edgeImageVariants: false in Pulumi.dev.yaml (its alarms do not fit dev's $30).
    assert [f for f in dev.by_type(LAMBDA) if f.name.endswith("-image-variants-function")] == []
    assert all("lambdaFunctionAssociations" not in b
               for b in behaviors(distribution(dev)).values())


def test_the_media_cache_key_is_width_and_format_only(registry: Registry) -> None:
    by_path = behaviors(distribution(registry))
    policies = {r.outputs["id"]: r.inputs for r in
                registry.by_type("aws:cloudfront/cachePolicy:CachePolicy")}
    key = policies[by_path["/media/*"]["cachePolicyId"]]["parametersInCacheKeyAndForwardedToOrigin"]
    assert key["queryStringsConfig"] == {"queryStringBehavior": "whitelist",
                                         "queryStrings": {"items": ["w"]}}
    assert key["headersConfig"]["headers"]["items"] == ["Accept"]
    assert key["cookiesConfig"] == {"cookieBehavior": "none"}


def test_the_settings_file_carries_what_the_environment_cannot() -> None:
    text = settings_json("media-abc", "eu-west-1", (320, 640), 80)
    assert json.loads(text) == {"bucket": "media-abc", "region": "eu-west-1",
                                "widths": [320, 640], "quality": 80}


def test_the_package_holds_the_handler_shared_code_and_the_settings() -> None:
    archive: Any = package('{"bucket": "b"}')
    assert isinstance(archive, pulumi.AssetArchive)
    assets = archive.assets
    assert assets["functions/image_variants/settings.json"].text == '{"bucket": "b"}'
    assert {"functions/__init__.py", "functions/shared/retry.py",
            "functions/image_variants/handler.py"} <= set(assets)
    assert not [name for name in assets if "__pycache__" in name or name.endswith(".pyc")]
