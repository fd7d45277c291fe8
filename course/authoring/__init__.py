"""Authoring, for maintainers: the course manifest (`manifest`, `manifest.yml`), student versions
regenerated from `source/` (`release`), remixes into local courses (`remix`) and PO translation
catalogs (`translation`).
"""
