"""The site file: a TOML file with the site's settings and its menu.

``[site]`` holds ``sync.protocol.rows.SiteSettings`` (optional: an enrolled terminal
gets them from the hub) and ``[menu]`` a ``sync.protocol.catalogue.SiteMenu``.
``config/example-site.toml`` is the reference. Errors are ``kiosk.configfile.ConfigError``
naming the file, the key and the reason.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.configfile import load_toml_model
from sync.protocol.catalogue import SiteMenu
from sync.protocol.rows import SiteSettings, Strict


class SiteFile(Strict):
    site: SiteSettings | None = None
    menu: SiteMenu


def load_site_file(path: Path | str) -> SiteFile:
    return load_toml_model(path, SiteFile)


def load_site_menu(path: Path | str) -> SiteMenu:
    """The menu of a site file; raises ConfigError (file, key, reason)."""
    return load_site_file(path).menu
