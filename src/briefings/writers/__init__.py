"""Stage 4, writers: Markdown → files. Markdown is written as is; DOCX is built from Markdown tokens; PDF is
converted from the DOCX by LibreOffice.

Public modules: `docx` (`markdown_to_docx`, `DocxMeta`), `redline` (tracked changes, `Revision`),
`files` (atomic writes), `pdf` (`docx_to_pdf`, `docx_bytes_to_pdf`: PDF/A-2b, tagged, through LibreOffice), `scrub` (a whole DOCX package redacted). Internal: `wordml` (the WordprocessingML body writer shared by docx and redline).
"""
