"""Build step that ships the top-level `graders/` and `schemas/` inside the wheel.

They live at the repository's top level (where users browse and edit them); a wheel has no
such place, so `build_py` copies them to `rft/_shipped/`, where `rft.shipped` looks first.
Everything else about the package is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = {"graders": ("*.yaml", "*.yml", "*.json"), "schemas": ("*.json",)}


class BuildWithShippedData(build_py):
    def run(self) -> None:
        super().run()
        for folder, patterns in SHIPPED.items():
            target = Path(self.build_lib) / "rft" / "_shipped" / folder
            target.mkdir(parents=True, exist_ok=True)
            for pattern in patterns:
                for source in sorted((ROOT / folder).glob(pattern)):
                    shutil.copy2(source, target / source.name)


setup(cmdclass={"build_py": BuildWithShippedData})
