"""pytest plugin: `pytest --rft-graders graders/` collects every bundle's `tests:` as test items.

Registered through the `pytest11` entry point, so it is active wherever rft is installed; it
does nothing unless `--rft-graders` is given.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BUNDLE_SUFFIXES = (".yaml", ".yml", ".json")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rft")
    group.addoption(
        "--rft-graders",
        action="store_true",
        default=False,
        help="collect the `tests:` of rft grader bundles (YAML/JSON files) under the given paths",
    )


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    wanted = parent.config.getoption("--rft-graders") and file_path.suffix in BUNDLE_SUFFIXES
    return (
        BundleFile.from_parent(parent, path=file_path)
        if wanted and _looks_like_bundle(file_path)
        else None
    )


def _looks_like_bundle(path: Path) -> bool:
    # Skip YAML/JSON files that are not bundles (CI configs, JSON Schemas, job files).
    head = path.read_text(encoding="utf-8", errors="replace")[:4096]
    return (
        ("type:" in head or '"type"' in head)
        and "$defs" not in head
        and "hyperparameters" not in head
    )


class BundleFile(pytest.File):
    """A bundle file; its items are the bundle's tests (a load error is one failing item)."""

    def collect(self) -> Iterator[pytest.Item]:
        # pytest loads this plugin in every session where rft is installed: rft itself
        # (numpy, pydantic, jinja2) is imported only once a bundle file is collected.
        import rft
        from rft.errors import RftError

        try:
            bundle = rft.load_bundle(self.path)
        except RftError as exc:
            yield BundleLoadItem.from_parent(self, name="load", error=str(exc))
            return
        tests = list(bundle.tests())
        for index, (grader_path, _spec, test) in enumerate(tests):
            name = f"{grader_path}{test.name}" if grader_path else test.name
            yield BundleTestItem.from_parent(self, name=name, bundle=bundle, index=index)


class BundleLoadItem(pytest.Item):
    def __init__(self, *, error: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        raise BundleTestFailure(self.error)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, "load"


class BundleTestItem(pytest.Item):
    """One test of a bundle."""

    def __init__(self, *, bundle: Any, index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bundle = bundle
        self.index = index

    def runtest(self) -> None:
        from rft.testing import run_bundle_tests  # see BundleFile.collect: rft loads on use

        # Compiling per test keeps items independent; bundles are small and compile in ms.
        outcome = run_bundle_tests(self.bundle, only=self.index)[0]
        if not outcome.passed:
            raise BundleTestFailure("; ".join(outcome.problems))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, BundleTestFailure):
            return f"{self.path.name} :: {self.name}: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.name


class BundleTestFailure(AssertionError):
    """A bundle test whose score did not meet its expectation."""
