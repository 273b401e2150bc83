"""Every JSON Schema in `schemas/`: the bundle's (spec layer) and the train job's (train layer).

They are gathered here, at the top of the import graph, because the bundle schema belongs to the
core (`rft.schema`) and the job schema to `rft.train.config`, and the core must not import train.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rft.schema import bundle_json_schema, render
from rft.train.config import job_json_schema


def all_schemas() -> dict[str, dict[str, Any]]:
    """File name -> schema, for everything `schemas/` holds."""
    return {
        "bundle.schema.json": bundle_json_schema(),
        "train_job.schema.json": job_json_schema(),
    }


def write_schemas(out_dir: str | Path) -> list[Path]:
    """Write every schema into `out_dir`; returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in all_schemas().items():
        path = out / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written
