"""Write (or with --check, verify) the part of python/banditpam_rs/_core.pyi generated from the
core's parameter table and the module: `__all__`, and the `_FitParameters` TypedDict, the
keyword arguments of `_core.fit` and its siblings, one typed entry per parameter."""

from __future__ import annotations

import sys
from pathlib import Path

from banditpam_rs import _core

STUB = Path(__file__).resolve().parent.parent / "python" / "banditpam_rs" / "_core.pyi"
BEGIN = "# BEGIN generated from _core.PARAMETERS by scripts/stubs.py: do not edit"
END = "# END generated"

#: The Python type of each kind of parameter (the binding's conversion accepts these).
TYPES = {
    "Count": "int",
    "OptionalCount": "int | None",
    "Bytes": "int | None",
    "Number": "float",
    "OptionalFlag": "bool | None",
    "Seed": "int",
    "Method": "str",
    "Init": "str | Sequence[int] | npt.NDArray[np.integer[Any]] | None",
    "Weights": "Sequence[float] | npt.NDArray[np.floating[Any]] | None",
}


def generated() -> str:
    # Laid out as `ruff format` lays it out, so the formatter and --check agree.
    lines = [BEGIN, "__all__ = [", *(f'    "{name}",' for name in sorted(_core.__all__)), "]", ""]
    lines.append("class _FitParameters(TypedDict, total=False):")
    lines.append('    """The keyword arguments of `fit`, `select_k` and `check_parameters`."""')
    lines.append("")
    for keyword, _name, _flag, kind, _default, _help, _r_name in _core.PARAMETERS:
        lines.append(f"    {keyword}: {TYPES[kind]}")
    lines += ["", END]
    return "\n".join(lines)


def main() -> int:
    text = STUB.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    updated = text[:start] + generated() + text[end:]
    if "--check" in sys.argv:
        if updated != text:
            print(f"{STUB} is out of date with the parameter table: run python scripts/stubs.py", file=sys.stderr)
            return 1
        return 0
    STUB.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
