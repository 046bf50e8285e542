"""pytest configuration: hypothesis profiles and offline tiktoken / streamtok fixtures.

Hypothesis profiles: "fast" (default) and "thorough"; pick one with
``STREAMTOK_HYPOTHESIS=thorough pytest``.

Real tiktoken is the reference. It never downloads: ``support`` (imported here, before any test
module) unpacks ``vocab/*.tiktoken.gz`` into a temp folder under tiktoken's cache names, checks their
sha256 and sets ``TIKTOKEN_CACHE_DIR``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, settings

# Let test modules `import support` / `import strategies` whatever pytest's import mode is.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import support  # noqa: E402  (sets TIKTOKEN_CACHE_DIR before tiktoken loads a vocabulary)
from support import ENCODINGS, st, tk  # noqa: E402,F401

settings.register_profile(
    "fast",
    max_examples=60,
    # CI draws the same examples every run, so a landing never hinges on a lucky draw;
    # developers get fresh ones each run, and the thorough profile many more.
    derandomize=bool(os.environ.get("CI")),
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("STREAMTOK_HYPOTHESIS", "fast"))


def pytest_report_header(config: pytest.Config) -> list[str]:
    import tiktoken

    return [
        f"hypothesis profile: {settings.get_current_profile_name()}",
        f"tiktoken {tiktoken.__version__} (offline cache {support.TIKTOKEN_CACHE_DIR})",
    ]


@pytest.fixture(scope="session")
def tiktoken_cache_dir() -> str:
    """The temp folder that real tiktoken reads its vocabularies from."""
    return support.TIKTOKEN_CACHE_DIR


@pytest.fixture(scope="session", name="tk")
def tk_fixture() -> Callable[[str], object]:
    """``tk(name)`` -> real tiktoken's Encoding, loaded offline."""
    return support.tk


@pytest.fixture(scope="session", name="st")
def st_fixture() -> Callable[[str], object]:
    """``st(name)`` -> ``streamtok.get_encoding(name)``."""
    return support.st


@pytest.fixture(scope="session", params=ENCODINGS)
def encoding_name(request: pytest.FixtureRequest) -> str:
    """Each of the six built-in encoding names."""
    return request.param
