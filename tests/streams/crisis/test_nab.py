"""The NAB scorer against hand-computed cases and NAB's own definitions."""

from __future__ import annotations

import math
import random

import pytest

from streams.crisis import nab

STD, LOW_FP, LOW_FN = nab.PROFILES


def test_scaled_sigmoid_matches_nab() -> None:
    assert nab.scaled_sigmoid(-1.0) == pytest.approx(0.98661, abs=1e-5)
    assert nab.scaled_sigmoid(-0.5) == pytest.approx(0.84828, abs=1e-5)
    assert nab.scaled_sigmoid(0.0) == 0.0
    assert nab.scaled_sigmoid(1.0) == pytest.approx(-0.98661, abs=1e-5)
    assert nab.scaled_sigmoid(3.5) == -1.0


def test_probation_is_15_percent_capped_at_750_rows() -> None:
    assert nab.probation_length(1000) == 150
    assert nab.probation_length(4032) == 604
    assert nab.probation_length(22695) == 750


def one_file(
    detections: list[int], n: int = 100, window: tuple[int, int] = (40, 49)
) -> list[nab.Point]:
    scores = [1.0 if i in detections else 0.0 for i in range(n)]
    return nab.sweep_points(scores, [window], "f")


def test_detection_at_window_start_is_perfect() -> None:
    res = nab.score_corpus(one_file([40]), 1, STD, threshold=1.0)
    assert res.raw == pytest.approx(1.0)
    assert res.null == -1.0 and res.perfect == 1.0
    assert res.score == pytest.approx(100.0)


def test_no_detection_is_the_null_score() -> None:
    assert nab.score_corpus(one_file([]), 1, STD, threshold=1.0).score == pytest.approx(0.0)
    assert nab.score_corpus(one_file([]), 1, LOW_FN, threshold=1.0).raw == -2.0


def test_late_detection_is_worth_less_and_only_the_earliest_counts() -> None:
    late = nab.score_corpus(one_file([49]), 1, STD, threshold=1.0).raw
    expected = nab.scaled_sigmoid(-1 / 10) / nab.scaled_sigmoid(-1.0)
    assert late == pytest.approx(expected)
    both = nab.score_corpus(one_file([45, 49]), 1, STD, threshold=1.0).raw
    alone = nab.score_corpus(one_file([45]), 1, STD, threshold=1.0).raw
    assert both == pytest.approx(alone) and alone > late


def test_false_positives_cost_by_distance_after_the_window() -> None:
    far_before = nab.score_corpus(one_file([20]), 1, STD, threshold=1.0).raw
    assert far_before == pytest.approx(-1.0 - 0.11)
    just_after = nab.score_corpus(one_file([50]), 1, STD, threshold=1.0).raw
    pos = 1 / 9  # |49 - 50| / (width - 1)
    assert just_after == pytest.approx(-1.0 + 0.11 * nab.scaled_sigmoid(pos))
    far_after = nab.score_corpus(one_file([95]), 1, LOW_FP, threshold=1.0).raw
    assert far_after == pytest.approx(-1.0 - 0.22)
    assert far_before < just_after


def test_probation_detections_are_ignored() -> None:
    # 100 rows: probation is 15 rows
    assert nab.score_corpus(one_file([3]), 1, STD, threshold=1.0).raw == -1.0
    assert nab.score_corpus(one_file([15]), 1, STD, threshold=1.0).raw == pytest.approx(-1.11)


def test_window_indices_from_timestamps() -> None:
    times = [float(t) for t in range(0, 1000, 10)]
    assert nab.window_indices(times, [(100.0, 190.0)]) == [(10, 19)]
    assert nab.window_indices(times, [(95.0, 191.0)]) == [(10, 19)]  # nearest rows inside


def test_optimised_threshold_is_the_best_of_all_thresholds() -> None:
    rng = random.Random(3)
    points: list[nab.Point] = []
    n_windows = 0
    for f in range(5):
        n = 400
        scores = [round(rng.random() ** 4, 3) for _ in range(n)]
        windows = [(100, 139), (300, 339)] if f % 2 else [(250, 289)]
        for a, _b in windows:  # anomalies score higher, a bit late
            for i in range(a + 10, a + 15):
                scores[i] = max(scores[i], 0.9)
        n_windows += len(windows)
        points += nab.sweep_points(scores, windows, f"f{f}")
    for prof in nab.PROFILES:
        best_t, best_raw = nab.optimize_threshold(points, prof)
        brute = max(nab.raw_score_at(points, prof, p.score) for p in points)
        assert best_raw == pytest.approx(brute)
        assert nab.raw_score_at(points, prof, best_t) == pytest.approx(best_raw)
        res = nab.score_corpus(points, n_windows, prof)
        assert 0 < res.score < 100
        assert res.score == pytest.approx(
            100 * (best_raw + prof.fn_weight * n_windows) / (n_windows + prof.fn_weight * n_windows)
        )


def test_sweep_scores_pool_files_by_summing_raw_scores() -> None:
    a = one_file([40])
    b = nab.sweep_points([1.0 if i == 70 else 0.0 for i in range(100)], [(60, 79)], "g")
    total = nab.raw_score_at(a + b, STD, 1.0)
    assert total == pytest.approx(nab.raw_score_at(a, STD, 1.0) + nab.raw_score_at(b, STD, 1.0))
    assert not math.isnan(total)


def test_cross_validation_scores_each_fold_at_the_threshold_of_the_others() -> None:
    # fold a alone is best at 0.9 (its true detection, not its false one at 0.5); fold b alone
    # at 0.6 (its true detection at row 45; 0.95 is a false one far after the window)
    a = nab.sweep_points(
        [0.9 if i == 40 else 0.5 if i == 70 else 0.0 for i in range(100)], [(40, 49)], "a"
    )
    b = nab.sweep_points(
        [0.6 if i == 45 else 0.95 if i == 80 else 0.0 for i in range(100)], [(40, 49)], "b"
    )
    assert nab.optimize_threshold(a, STD)[0] == 0.9
    assert nab.optimize_threshold(b, STD)[0] == 0.6
    score, folds = nab.cross_validate({"a": a, "b": b}, {"a": 1, "b": 1}, STD)
    assert [(f.fold, f.threshold) for f in folds] == [("a", 0.6), ("b", 0.9)]
    # a at 0.6: its window found at its first row (+1); b at 0.9: only the false detection
    # (-0.11, far from the window) and the window missed (-1)
    assert folds[0].raw == pytest.approx(1.0)
    assert folds[1].raw == pytest.approx(-1.11, abs=1e-3)
    assert score == pytest.approx(100 * (1.0 - 1.11 + 2) / 4, abs=0.1)
    # in-sample (both thresholds chosen on the fold itself) would be better: the point of CV
    assert score < nab.score_corpus(a + b, 2, STD).score


def test_cross_validation_with_a_fixed_threshold_scores_an_alert_column() -> None:
    a = nab.sweep_points([1.0 if i == 40 else 0.0 for i in range(100)], [(40, 49)], "a")
    b = nab.sweep_points([0.0] * 100, [(40, 49)], "b")
    score, folds = nab.cross_validate({"a": a, "b": b}, {"a": 1, "b": 1}, STD, threshold=1.0)
    assert [f.raw for f in folds] == [pytest.approx(1.0), -1.0]
    assert score == pytest.approx(50.0)
