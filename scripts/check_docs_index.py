"""Fails unless the built docs' index links every public class, function, constant and method.

Usage: python scripts/check_docs_index.py docs/_build/html/genindex.html
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import banditpam_rs
import banditpam_rs.compat
import banditpam_rs.metrics


def public_names() -> list[str]:
    """Dotted names of the package's public objects and of their classes' public methods."""
    names = []
    for module in (banditpam_rs, banditpam_rs.compat, banditpam_rs.metrics):
        for name in module.__all__:
            if name.startswith("__") or inspect.ismodule(getattr(module, name)):
                continue
            names.append(f"{module.__name__}.{name}")
            value = getattr(module, name)
            if inspect.isclass(value):
                names += [
                    f"{module.__name__}.{name}.{member}"
                    for member, attribute in vars(value).items()
                    if not member.startswith("_") and (callable(attribute) or isinstance(attribute, property))
                ]
    return names


def main(index: Path) -> int:
    text = index.read_text(encoding="utf-8")
    # Sphinx's index links each documented object to its anchor, the object's dotted name.
    missing = [name for name in public_names() if f'#{name}"' not in text]
    if missing:
        print("missing from the docs index:", ", ".join(missing))
        return 1
    print(f"the docs index links all {len(public_names())} public names")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
