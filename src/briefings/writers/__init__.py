"""Stage 4, writers: Markdown → files. Markdown is written as is; DOCX is built from Markdown tokens.

Public modules: `docx` (`markdown_to_docx`, `DocxMeta`), `redline` (tracked changes, `Revision`),
`files` (atomic writes), `pdf` (DOCX → PDF/A through LibreOffice), `scrub` (a whole DOCX package redacted). Internal: `wordml` (the WordprocessingML body writer shared by docx and redline).
"""
