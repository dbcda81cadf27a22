"""Publication beyond the office: the answer bank for communications and Woo publication packages.

Public modules: `export` (`export_vragen`, `render_export`), `woo_package` (`publish_woo`: the Woo publication
package), `diwoo` (DiWoo metadata, its schema and the sitemap), `inventory` (the inventory as CSV and XLSX),
`leaks` (the leak check over every file of a package).
"""
