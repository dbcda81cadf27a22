"""Stage 4, writers: Markdown → files. Markdown is written as is; DOCX is built from Markdown tokens; PDF is
converted from the DOCX by LibreOffice.

Public modules: `docx` (`markdown_to_docx`, `DocxMeta`), `redline` (tracked changes, `Revision`),
`pdf` (`docx_to_pdf`, `docx_bytes_to_pdf`: PDF/A-2b, tagged), `files` (atomic writes). Internal: `wordml`
(the WordprocessingML body writer shared by docx and redline).
"""
