"""Headless Chromium screenshots for end-to-end checks of HTML reports."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 2400) -> Path:
    """Render `html` (a local file) to `png` and return it."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
             f"--screenshot={png}", html.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )
    return png
