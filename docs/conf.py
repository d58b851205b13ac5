"""Sphinx configuration of the banditpam-rs documentation site (built by scripts/docs.sh)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import banditpam_rs

ROOT = Path(__file__).resolve().parent.parent

project = "banditpam-rs"
author = "the banditpam-rs developers"
copyright = "2026, the banditpam-rs developers"
version = release = banditpam_rs.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_generated", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb", "auto_examples/*.py"]
html_theme = "furo"
html_title = f"banditpam-rs {release}"

# The API pages list every public name themselves; numpydoc writes each class's members.
autodoc_default_options = {
    "members": True,
    "inherited-members": False,
    # scikit-learn generates these on every estimator; its own docs describe them.
    "exclude-members": "set_fit_request,set_score_request,set_transform_request,set_predict_request",
}
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Links in the docstrings to other projects are plain text: the site builds offline.
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}

myst_heading_anchors = 3

# The gallery: every script under examples/ runs during the build (a failing one fails it).
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "default_thumb_file": None,
    "min_reported_time": 0,
}

# Examples read the bundled data relative to the repository root.
os.environ.setdefault("BANDITPAM_RS_ROOT", str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))
