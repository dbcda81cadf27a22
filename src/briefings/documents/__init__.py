"""Stage 3, documents: a document spec + Jinja2 template → Markdown, then built into outputs.

Public modules: `pipeline` (`build_documents`: a whole build), `build` (selecting, rendering, writing),
`assemble` (spec → Markdown), `incremental` (build plan and manifest), `baseline` (the document at an
earlier revision, for tracked changes), `woo` (audiences, Woo decisions, ground codes, redaction: normalise, then match), `dutch` (Dutch dates and numbers), `anchors` (item ids carried into the
DOCX as hidden bookmarks), `layout` (LibreOffice's part: page numbers of tables of contents, then PDFs).
"""
