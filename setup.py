"""Only what pyproject.toml cannot say (everything else is there).

The dashboard's CSS lives in the top-level ``assets/`` folder, as the project's layout has
it, but an installed socmap has no checkout around it: building copies ``assets/`` into the
package as ``dashboard/assets/``, where ``dashboard.app`` looks first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ASSETS = Path(__file__).resolve().parent / "assets"


class BuildWithAssets(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "dashboard" / "assets"
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted(ASSETS.iterdir()):
            if path.is_file():
                shutil.copy2(path, target / path.name)


setup(cmdclass={"build_py": BuildWithAssets})
