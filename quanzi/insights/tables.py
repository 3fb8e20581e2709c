"""What every insights chart is made of: a table of rows with typed columns, the chart drawn
from some of its columns, and the same table exported to CSV or Excel.

A page builds `Table`s and hands them to `insights/_table.html`, which shows the chart, a
table view of the same rows and the export links; the chart's data goes to the browser as
JSON (`json_script`), drawn by `insights/insights.js` — no inline script, under the CSP.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.http import HttpResponse
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Font

from quanzi.core.money import format_fen

Kind = Literal["text", "int", "fen", "pct", "ratio", "date"]
ChartType = Literal["line", "bar", "doughnut", "none"]
EXPORTS = ("csv", "xlsx")


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a (lazy) translated string
    kind: Kind = "int"


@dataclass
class Table:
    """One block of figures. `chart` says how to draw it: `x` is the column of the labels,
    `series` the columns drawn (a line or bar per column, or one doughnut)."""

    id: str
    title: Any  # a (lazy) translated string
    columns: Sequence[Column]
    rows: list[dict[str, Any]]
    chart: ChartType = "bar"
    x: str = ""
    series: Sequence[str] = ()
    help: Any = ""
    compare: list[dict[str, Any]] | None = None  # the previous period's rows, same columns
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def chart_element_id(self) -> str:
        return f"chart-{self.id}"

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def chart_data(self) -> dict[str, Any]:
        """What insights.js draws: labels, datasets in display units (yuan, percent)."""
        x = self.x or self.columns[0].key
        series = list(self.series) or [c.key for c in self.columns if c.key != x][:1]
        return {
            "type": self.chart,
            "labels": [display(self.column(x), row.get(x)) for row in self.rows],
            "datasets": [
                {
                    "label": str(self.column(key).label),
                    "kind": self.column(key).kind,
                    "data": [plain(self.column(key), row.get(key)) for row in self.rows],
                }
                for key in series
            ],
            "compare": [
                {
                    "label": str(self.column(key).label),
                    "data": [plain(self.column(key), row.get(key)) for row in self.compare],
                }
                for key in series
            ]
            if self.compare
            else [],
        }

    def display_rows(self) -> list[list[str]]:
        return [[display(c, row.get(c.key)) for c in self.columns] for row in self.rows]


def plain(column: Column, value: Any) -> float | int | str | None:
    """A number in the unit people read: yuan for fen, percent for a share."""
    if value is None:
        return None
    if column.kind == "fen":
        return round(int(value) / 100, 2)
    if column.kind == "pct":
        return round(float(value) * 100, 1)
    if column.kind == "ratio":
        return round(float(value), 3)
    if column.kind == "int":
        return int(value)
    return str(value)


def display(column: Column, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if column.kind == "fen":
        return format_fen(int(value))
    if column.kind == "pct":
        return f"{float(value) * 100:.1f}%"
    if column.kind == "ratio":
        return f"{float(value):.2f}"
    if column.kind == "date":
        return value.strftime("%m-%d") if hasattr(value, "strftime") else str(value)
    return str(value)


def _export_value(column: Column, value: Any) -> Any:
    """Cells as numbers a spreadsheet can add: yuan with 2 decimals, percent as a fraction."""
    if value is None:
        return ""
    if column.kind == "fen":
        return round(int(value) / 100, 2)
    if column.kind in ("pct", "ratio"):
        return round(float(value), 4)
    if column.kind == "int":
        return int(value)
    if column.kind == "date" and hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def export(table: Table, fmt: str, filename: str) -> HttpResponse:
    """The table's rows as a CSV (UTF-8 with BOM, so Excel reads Chinese) or an Excel file."""
    header = [f"{c.label} (¥)" if c.kind == "fen" else str(c.label) for c in table.columns]
    rows = [
        [_safe_cell(_export_value(c, row.get(c.key))) for c in table.columns] for row in table.rows
    ]
    name = slugify(filename) or "insights"
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = str(table.title)[:31] or "insights"
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    text = io.StringIO()
    text.write("\ufeff")
    writer = csv.writer(text)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    response = HttpResponse(text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _safe_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula (a name like "=1+1") gets a
    leading quote; numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
