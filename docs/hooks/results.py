"""MkDocs hook: the shipped results' READMEs and reports (``results/**/README.md``,
``REPORT.md``) and their figures become pages of the site under ``results/``, read from the
repository as they are, so the site shows the numbers the code produced and never a copy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

RESULTS = Path(__file__).resolve().parents[2] / "results"
PAGES = ("README.md", "REPORT.md")


def on_files(files: Files, config: Any) -> Files:
    for path in sorted(RESULTS.rglob("*")):
        if path.is_file() and (path.name in PAGES or path.suffix == ".png"):
            uri = "results/" + path.relative_to(RESULTS).as_posix()
            files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files
