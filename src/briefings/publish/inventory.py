"""The inventory of a Woo publication (inventarislijst): one row per document, as CSV and as XLSX."""
from __future__ import annotations

import csv
import io

COLUMNS = ["nummer", "document", "titel", "datum", "besluit", "besluitdatum", "kenmerk", "weigeringsgronden",
           "bestanden"]


def rows_of(metas) -> list[list[str]]:
    return [[str(i), meta.doc_id, meta.titel, meta.creatiedatum.isoformat(), meta.besluit,
             meta.besluitdatum.isoformat(), meta.besluitkenmerk, ", ".join(meta.gronden), ", ".join(meta.bestanden)]
            for i, meta in enumerate(metas, start=1)]


def inventory_csv(metas) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows_of(metas))
    return out.getvalue().encode("utf-8-sig")  # with a BOM, so spreadsheet programs read it as UTF-8


def inventory_xlsx(metas) -> bytes:
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Inventaris"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows_of(metas):
        sheet.append(row)
    for column, width in zip("ABCDEFGHI", (8, 36, 60, 12, 16, 12, 28, 20, 50)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    fixed = dt.datetime(2000, 1, 1)  # the same content gives the same file
    book.properties.creator = "briefings"
    book.properties.created = book.properties.modified = fixed
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
