"""The CloudFront viewer-request function's node unit tests, run from pytest."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

NODE = shutil.which("node")
TESTS = Path(__file__).with_name("viewer_request.test.js")


@pytest.mark.skipif(NODE is None, reason="node is not installed; the JavaScript tests need it")
def test_viewer_request_function_passes_its_node_tests() -> None:
    result = subprocess.run([NODE, "--test", str(TESTS)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout
