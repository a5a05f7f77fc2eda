"""Server-rendered pages (the public verification page; next the CPA portal and the institute workbench).

Routes as thin as `server/api/`'s, over the same use cases, rendered with the one Jinja environment of
`web.rendering` (templates in `web/templates/`).
"""
