"""The core's one parameter table against the surfaces made from it: the estimators'
defaults and docstrings, the keyword arguments of the core's fit, and the command line."""

from __future__ import annotations

import inspect
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

import banditpam_rs
from banditpam_rs import _core
from banditpam_rs._base import PARAMETERS, _BaseKMedoids

ESTIMATORS = [banditpam_rs.KMedoids]
try:
    from banditpam_rs.dask import KMedoids as DaskKMedoids

    ESTIMATORS.append(DaskKMedoids)
except ImportError:  # pragma: no cover - dask is installed by the test command
    pass

CLI = Path(__file__).resolve().parents[2] / "target" / "release" / "banditpam"


def shown(default) -> str:
    """A default as numpydoc docstrings spell it: ``default="auto"``, ``default=None``."""
    return f'"{default}"' if isinstance(default, str) else repr(default)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: e.__module__)
def test_estimator_defaults_and_docs_are_the_tables(estimator):
    assert issubclass(estimator, _BaseKMedoids)
    signature = inspect.signature(estimator.__init__)
    shared = [name for name in signature.parameters if name in PARAMETERS]
    assert {"n_clusters", "method", "max_iter", "init", "n_init"} <= set(shared)
    for name in shared:
        default = PARAMETERS[name][4]
        assert signature.parameters[name].default == default, name
        documented = re.search(rf"^    {name} : .*default=(\S+)$", estimator.__doc__, re.M)
        assert documented is not None, f"{name} is not documented with its default"
        assert documented.group(1) == shown(default), name
    # Every keyword the estimator passes on is one the core's table knows.
    model = estimator(n_clusters=3, random_state=5)
    params = model._core_params()
    assert set(params) <= set(_core.FIT_PARAMETERS) and params["seed"] == 5


def test_the_core_takes_every_keyword_of_its_table_and_no_other():
    X = np.random.default_rng(0).normal(size=(40, 2))
    values = {"Count": 2, "OptionalCount": None, "Bytes": 1 << 30, "Number": 4.0, "OptionalFlag": None}
    values |= {"Seed": 3, "Method": "pam", "Init": "build", "Weights": [1.0] * 40}
    given = {keyword: values[kind] for keyword, _name, _flag, kind, _default, _help, _r_name in _core.PARAMETERS}
    fit = _core.fit(X, metric="euclidean", **given)
    assert fit.method == "pam" and len(fit.medoids) == 2
    with pytest.raises(TypeError, match='unknown parameter "n_cluster"'):
        _core.fit(X, metric="euclidean", n_cluster=2)
    # Values of another kind are refused, naming the Python keyword.
    with pytest.raises(TypeError, match="max_iter must be an int"):
        _core.check_parameters(max_iter="many")
    with pytest.raises(ValueError, match="unknown method 'kmeans'"):
        _core.check_parameters(method="kmeans")
    with pytest.raises(ValueError, match="n_clusters must be an integer from 1 to"):
        _core.check_parameters(n_clusters=0)


@pytest.mark.skipif(not CLI.exists(), reason="the command-line tool is built by cargo")
def test_the_command_line_has_one_option_per_flagged_parameter():
    text = subprocess.run([CLI, "fit", "--help"], capture_output=True, text=True, check=True).stdout
    for _keyword, _name, flag, _kind, default, help_text, _r_name in _core.PARAMETERS:
        if flag is None:
            continue
        assert f"--{flag} <" in text, flag
        if default is not None:
            assert f"[default: {default}]" in text, flag
        assert " ".join(help_text.split()[:6]) in " ".join(text.split()), flag
