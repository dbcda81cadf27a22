"""Publication beyond the office: the answer bank for communications and Woo publication packages.

Public modules: `export` (`export_vragen`, `render_export`).
"""
