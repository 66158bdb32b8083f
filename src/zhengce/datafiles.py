"""Reference data shipped under src/zhengce/data/ (registries, vocabularies, reviewed rules)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=None)
def load_json(name: str) -> Any:
    """Parse ``data/<name>`` (a JSON file inside the package)."""
    return json.loads((resources.files("zhengce") / "data" / name).read_text(encoding="utf-8"))


def package_data_dir():
    """The package's data folder as a filesystem path."""
    from pathlib import Path

    return Path(str(resources.files("zhengce") / "data"))
