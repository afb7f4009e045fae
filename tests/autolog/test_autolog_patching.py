"""The patching framework, seen through scikit-learn: runs started and ended, user runs, ``exclusive``,
``disable``, nested fits, and failures that must never reach the user's training."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, _validation, cross_val_predict, cross_val_score

import keel
from keel.flavors import autologging
from keel.flavors.autologging import sklearn as sklearn_autolog

FEATURES = np.array([[0.0, 1.0], [1.0, 0.0], [0.2, 0.9], [0.9, 0.1], [0.1, 0.8], [0.8, 0.3]])
LABELS = np.array([0, 1, 0, 1, 0, 1])


class BadScore(LogisticRegression):
    """A user's estimator whose ``score`` fails: only the ``training_score`` metric is lost."""

    def score(self, X: object, y: object, sample_weight: object = None) -> float:
        raise RuntimeError("no score today")


# Per thread name: set once its WarningScore warned; waited for before it goes on.
TURNS: dict[str, tuple[threading.Event, threading.Event]] = {}


class WarningScore(LogisticRegression):
    """A user's estimator whose ``score`` (which autologging calls) warns, then waits for its turn."""

    def score(self, X: object, y: object, sample_weight: object = None) -> float:
        name = threading.current_thread().name
        warnings.warn(f"scored in {name}", UserWarning, stacklevel=1)
        warned, go_on = TURNS[name]
        warned.set()
        assert go_on.wait(10)
        return super().score(X, y, sample_weight)


def all_runs() -> list[keel.Run]:
    return keel.search_runs(output_format="list")


def test_disable_restores_the_original_functions() -> None:
    own_fit = vars(LogisticRegression)["fit"]
    search_fit = inspect.getattr_static(GridSearchCV, "fit")
    fit_and_score = _validation._fit_and_score
    assert "fit" not in vars(GridSearchCV)  # inherited from BaseSearchCV

    sklearn_autolog.autolog()
    assert vars(LogisticRegression)["fit"] is not own_fit
    assert _validation._fit_and_score is not fit_and_score
    sklearn_autolog.autolog(disable=True)

    assert vars(LogisticRegression)["fit"] is own_fit
    assert "fit" not in vars(GridSearchCV)
    assert inspect.getattr_static(GridSearchCV, "fit") is search_fit
    assert _validation._fit_and_score is fit_and_score
    LogisticRegression().fit(FEATURES, LABELS)
    assert all_runs() == []


def test_calling_autolog_again_changes_options_without_patching_twice() -> None:
    sklearn_autolog.autolog(log_models=True)
    patched = vars(LogisticRegression)["fit"]
    sklearn_autolog.autolog(log_models=False)

    assert vars(LogisticRegression)["fit"] is patched
    LogisticRegression().fit(FEATURES, LABELS)
    assert all_runs()[0].outputs.model_outputs == ()


def test_fit_logs_into_the_run_the_user_started() -> None:
    sklearn_autolog.autolog()

    with keel.start_run() as run:
        LogisticRegression(C=3.0).fit(FEATURES, LABELS)
        assert keel.active_run().info.run_id == run.info.run_id  # still the user's to end

    [logged] = all_runs()
    assert logged.info.run_id == run.info.run_id
    assert logged.data.params["C"] == "3.0"
    assert "mlflow.autologging" not in logged.data.tags


def test_exclusive_leaves_user_runs_alone_but_still_logs_on_its_own() -> None:
    sklearn_autolog.autolog(exclusive=True)

    with keel.start_run() as run:
        LogisticRegression().fit(FEATURES, LABELS)
    LogisticRegression(C=2.0).fit(FEATURES, LABELS)

    runs = {r.info.run_id: r for r in all_runs()}
    assert len(runs) == 2
    assert runs.pop(run.info.run_id).data.params == {}
    [own] = runs.values()
    assert own.data.params["C"] == "2.0"


def test_a_failing_logger_does_not_break_fit(autolog_warnings: Callable[[], list[str]]) -> None:
    sklearn_autolog.autolog()

    with keel.start_run():
        keel.log_param("C", "5")  # params cannot change: logging C=1.0 will fail
        model = LogisticRegression(C=1.0).fit(FEATURES, LABELS)

    np.testing.assert_array_equal(model.predict(FEATURES), LABELS)
    [run] = all_runs()
    assert run.data.params["C"] == "5"
    assert "training_accuracy_score" in run.data.metrics  # the steps after the failure still ran
    assert len(run.outputs.model_outputs) == 1
    assert any("parameters" in message for message in autolog_warnings())


def test_a_failing_metric_is_left_out_with_a_warning(autolog_warnings: Callable[[], list[str]]) -> None:
    sklearn_autolog.autolog()

    model = BadScore().fit(FEATURES, LABELS)  # a user's subclass is logged like its base

    assert model.coef_.shape == (1, 2)
    [run] = all_runs()
    assert "training_score" not in run.data.metrics
    assert "training_accuracy_score" in run.data.metrics
    assert any("training_score" in message or "'score'" in message for message in autolog_warnings())


def test_silent_logs_no_warnings(autolog_warnings: Callable[[], list[str]]) -> None:
    sklearn_autolog.autolog(silent=True)

    BadScore().fit(FEATURES, LABELS)

    assert autolog_warnings() == []


def test_a_warning_raised_by_logging_after_training_goes_to_the_log(
    autolog_warnings: Callable[[], list[str]], recwarn: pytest.WarningsRecorder
) -> None:
    sklearn_autolog.autolog(log_models=False)
    ready = threading.Event()
    ready.set()
    TURNS.clear()
    TURNS[threading.current_thread().name] = (threading.Event(), ready)

    WarningScore().fit(FEATURES, LABELS)

    assert list(recwarn) == []
    assert f"sklearn autologging: scored in {threading.current_thread().name}" in autolog_warnings()
    [run] = all_runs()
    assert "training_score" in run.data.metrics


def test_warnings_of_concurrent_fits_go_to_the_log_and_the_users_own_to_the_user(
    autolog_warnings: Callable[[], list[str]], recwarn: pytest.WarningsRecorder
) -> None:
    sklearn_autolog.autolog(log_models=False)
    filters, shown_by = list(warnings.filters), warnings.showwarning
    TURNS.clear()
    TURNS.update({name: (threading.Event(), threading.Event()) for name in ("first", "second")})
    turns = dict(TURNS)
    fits = {
        name: threading.Thread(target=lambda: WarningScore().fit(FEATURES, LABELS), name=name)
        for name in turns
    }

    fits["first"].start()
    assert turns["first"][0].wait(10)
    fits["second"].start()  # its logging starts while the first one's is under way
    assert turns["second"][0].wait(10)
    warnings.warn("the user's own", UserWarning, stacklevel=1)
    for name in ("first", "second"):  # the first one's logging ends first
        turns[name][1].set()
        fits[name].join()

    assert [str(w.message) for w in recwarn] == ["the user's own"]
    assert (warnings.filters, warnings.showwarning) == (filters, shown_by)
    logged = autolog_warnings()
    assert not any("the user's own" in message for message in logged)
    assert "sklearn autologging: scored in first" in logged
    assert "sklearn autologging: scored in second" in logged
    assert len(all_runs()) == 2


def test_a_training_error_propagates_and_fails_the_run_autologging_started() -> None:
    sklearn_autolog.autolog()
    broken = FEATURES.copy()
    broken[0, 0] = np.nan

    with pytest.raises(ValueError, match="NaN"):
        LogisticRegression().fit(broken, LABELS)

    assert keel.active_run() is None
    [run] = all_runs()
    assert run.info.status == "FAILED"


def test_cross_validation_fits_log_nothing() -> None:
    sklearn_autolog.autolog()  # after cross_val_score was imported: still covered

    cross_val_score(LogisticRegression(), FEATURES, LABELS, cv=2)
    cross_val_predict(LogisticRegression(), FEATURES, LABELS, cv=2)

    assert all_runs() == []


def test_a_search_fitting_in_worker_threads_logs_only_its_runs() -> None:
    sklearn_autolog.autolog(log_models=False)

    with joblib.parallel_backend("threading", n_jobs=2):
        GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2, n_jobs=2).fit(FEATURES, LABELS)

    assert len(all_runs()) == 3  # the search and its two candidates: no run per fitted clone


def test_extra_tags_go_on_runs_autologging_starts() -> None:
    sklearn_autolog.autolog(extra_tags={"team": "search"})

    LogisticRegression().fit(FEATURES, LABELS)

    assert all_runs()[0].data.tags["team"] == "search"


def test_keel_autolog_enables_installed_libraries_and_disables_them_all() -> None:
    keel.autolog(log_models=False)
    assert autologging.enabled_integrations() == ["lightgbm", "pytorch", "sklearn", "xgboost"]

    LogisticRegression().fit(FEATURES, LABELS)
    keel.autolog(disable=True)
    LogisticRegression().fit(FEATURES, LABELS)

    assert len(all_runs()) == 1
    assert autologging.enabled_integrations() == []


def test_keel_autolog_patches_a_library_only_once_it_is_imported(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        import keel

        keel.set_tracking_uri({str(tmp_path / "store")!r})
        keel.autolog(log_models=False)
        print(sorted(m for m in ("sklearn", "torch", "xgboost", "lightgbm") if m in sys.modules))
        from sklearn.linear_model import LogisticRegression

        LogisticRegression().fit([[0.0], [1.0], [0.1], [0.9]], [0, 1, 0, 1])
        run = keel.last_active_run()
        print(run.data.tags["mlflow.autologging"], run.data.metrics["training_accuracy_score"])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "sklearn 1.0"]
