"""The bundles and schemas rft ships, found the same way from a wheel and from a checkout.

The repository keeps them at its top level (`graders/`, `schemas/`); a built wheel carries
copies inside the package (`rft/_shipped/graders`, `rft/_shipped/schemas`, written by
`setup.py`'s build step). `shipped_dir` looks inside the package first, then beside it, so an
editable install reads the checkout's live files.

    >>> bundle_path("gene_rank").name
    'gene_rank.yaml'
    >>> "gene_rank" in shipped_bundles()
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from rft.errors import RftError, did_you_mean

Kind = Literal["graders", "schemas"]
BUNDLE_SUFFIXES = (".yaml", ".yml", ".json")

_PACKAGE = Path(__file__).resolve().parent


def shipped_dir(kind: Kind) -> Path:
    """The folder of shipped `graders` or `schemas`."""
    for candidate in (_PACKAGE / "_shipped" / kind, _PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    raise RftError(
        f"rft's shipped {kind}/ folder is missing (looked in {_PACKAGE / '_shipped'} and "
        f"{_PACKAGE.parent}); reinstall rft"
    )


def shipped_bundles() -> dict[str, Path]:
    """Shipped bundle name (file stem) -> path."""
    return {
        path.stem: path
        for path in sorted(shipped_dir("graders").iterdir())
        if path.suffix in BUNDLE_SUFFIXES
    }


def bundle_path(name: str) -> Path:
    """The shipped bundle called `name` (`gene_rank`, or `gene_rank.yaml`)."""
    bundles = shipped_bundles()
    stem = Path(name).stem if Path(name).suffix in BUNDLE_SUFFIXES else name
    if stem in bundles:
        return bundles[stem]
    hint = did_you_mean(stem, bundles)
    raise RftError(
        f"no file {name!r} and no shipped bundle of that name{'; ' + hint if hint else ''}; "
        f"shipped bundles: {', '.join(bundles)}"
    )


def resolve_bundle(path_or_name: str | Path) -> Path:
    """The bundle file to load: the path as given when it exists or names a folder, else the
    shipped bundle of that name (`gene_rank`, `gene_rank.yaml`)."""
    text = str(path_or_name)
    path = Path(text)
    if path.exists() or "/" in text or "\\" in text:
        return path
    bundles = shipped_bundles()
    stem = path.stem if path.suffix in BUNDLE_SUFFIXES else text
    if stem in bundles:
        return bundles[stem]
    if path.suffix:
        return path  # a file name that does not exist: the loader says so, with the path
    return bundle_path(text)


__all__ = ["bundle_path", "resolve_bundle", "shipped_bundles", "shipped_dir"]
