"""Print the reStructuredText table of every fit parameter, from the core's one parameter
table (`banditpam_rs._core.PARAMETERS`), for the documentation site (scripts/docs.sh)."""

from __future__ import annotations

from banditpam_rs import _core


def cell(text: str) -> str:
    return text.replace("*", "\\*").replace("|", "\\|")


def main() -> None:
    print(".. list-table::")
    print("   :header-rows: 1")
    print("   :widths: 16 16 12 14 10 32")
    print()
    print("   * - Python")
    print("     - CLI")
    print("     - R")
    print("     - Rust builder")
    print("     - Default")
    print("     - Meaning")
    for keyword, name, flag, _kind, default, help_text, r_name in _core.PARAMETERS:
        print(f"   * - ``{keyword}``")
        print(f"     - ``--{flag}``" if flag else "     - (see below)" if keyword == "sample_weight" else "     -")
        print(f"     - ``{r_name}``")
        print(f"     - ``{name}``")
        print(f"     - ``{default!r}``")
        print(f"     - {cell(help_text)}")
    print()
    print(
        "On the command line, ``-k`` gives the number of clusters (``select-k`` takes ``--k-range``), "
        "and ``--weights`` or ``--weight-column`` the sample weights."
    )


if __name__ == "__main__":
    main()
