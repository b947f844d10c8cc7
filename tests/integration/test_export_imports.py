"""`socmap export map` starts without what only the GIS layers and the summary need.

geopandas and pandas took about a second of a map export's start from a new process
(benchmarks/export_bench.py profiles it): the layers module imports them where it builds or
writes a layer, so importing the export package (as the command does) must not load them.
"""

from __future__ import annotations

import subprocess
import sys


def test_the_export_package_loads_without_geopandas_or_pandas():
    code = (
        "import sys\n"
        "import socmap.cli, dashboard.browser, dashboard.export\n"
        "print(sorted(m for m in ('geopandas', 'pandas', 'pyogrio') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_command_line_parser_loads_without_pandas_or_the_context_package():
    """Every command (an export too) builds the whole parser, which imports every command
    module; ``socmap summary``'s module imported geo.context, and with it pandas."""
    code = (
        "import sys\n"
        "import socmap.cli\n"
        "socmap.cli.build_parser()\n"
        "print(sorted(m for m in ('geopandas', 'pandas', 'geo.context') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
