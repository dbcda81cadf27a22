"""Review: what changed and what rests on what.

Public modules: `diff` (semantic diff between revisions), `trace` (upstream/downstream of an item),
`matrix` (recommendations × measures).
"""
