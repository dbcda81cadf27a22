"""Stage 0, importers: Word documents → content files (the way into the library besides typing YAML).

Public modules: `wijzigingen` (a reviewer's edits to a built DOCX back into the YAML, `run`),
`annotatie` (an annotation written by hand → a document spec and its items, `run`). Internal:
`docx_reader` (paragraphs, tracked changes, bookmarks and comments of a DOCX).
"""
