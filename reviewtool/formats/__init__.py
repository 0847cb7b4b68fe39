"""Renders a Report for people and machines: the registry of formats, one module a family
(text and NIPA's verdict, json, SARIF 2.1.0, b4's line and JSON protocols, patchwork's
checks). `--format b4-review` writes a directory of files: the cli writes it with
render/b4review.py."""

from __future__ import annotations

from collections.abc import Callable

from reviewtool.engine import Report
from reviewtool.formats.b4 import b4_line, render_b4, render_b4_json, report_b4_json
from reviewtool.formats.json_report import (
    base_candidates_json,
    finding_json,
    render_json,
    report_json,
)
from reviewtool.formats.patchwork import check_url_template, render_patchwork, report_patchwork
from reviewtool.formats.sarif import SARIF_SCHEMA, TOOL_URI, render_sarif, report_sarif
from reviewtool.formats.text import (
    NIPA_FAIL,
    NIPA_PASS,
    NIPA_WARNING,
    RenderOptions,
    nipa_verdict,
    render_text,
    summary_line,
)

# formats that write a directory of files, which the cli writes: b4 review's agent files
# (reviewtool/render/b4review.py)
DIRECTORY_FORMATS = ("b4-review",)

# name -> renderer
RENDERERS: dict[str, Callable[[Report, RenderOptions], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "b4": render_b4,
    "b4-json": render_b4_json,
    "patchwork": render_patchwork,
}

__all__ = [
    "DIRECTORY_FORMATS",
    "NIPA_FAIL",
    "NIPA_PASS",
    "NIPA_WARNING",
    "RENDERERS",
    "SARIF_SCHEMA",
    "TOOL_URI",
    "RenderOptions",
    "b4_line",
    "base_candidates_json",
    "check_url_template",
    "finding_json",
    "nipa_verdict",
    "render_b4",
    "render_b4_json",
    "render_json",
    "render_patchwork",
    "render_sarif",
    "render_text",
    "report_b4_json",
    "report_json",
    "report_patchwork",
    "report_sarif",
    "summary_line",
]
