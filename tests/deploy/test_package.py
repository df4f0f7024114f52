"""The built package carries every file the processes read at run time (the image installs
it with ``pip install .``, not from the source tree): migrations, templates, static files."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_holds_migrations_templates_and_static_files(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("buzzwire-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, pattern in (
        ("streams/store/migrations/versions", "*.py"),
        ("streams/web/templates", "*.html"),
        ("streams/web/static", "**/*"),  # vendor/ (the chart library) included
    ):
        wanted = {
            p.relative_to(ROOT).as_posix()
            for p in (ROOT / folder).glob(pattern)
            if p.is_file() and p.name != "__init__.py"
        }
        assert wanted, folder
        assert wanted <= names, f"missing from the wheel: {sorted(wanted - names)}"
    assert "streams/store/migrations/script.py.mako" in names
    assert "streams/web/static/vendor/chart.umd.min.js" in names
    assert "streams/web/static/vendor/chart.js.LICENSE.md" in names
