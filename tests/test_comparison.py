"""Lesson 10's approach table: seeds averaged, costs, the frontier and the winners."""

import numpy as np
import pytest

from clflib.comparison import MethodRun, approach_table, decision_rows, frontier, ms_per_1k


def runs():
    return [
        MethodRun("majority", "none", 0, 0, accuracy=0.02, macro_f1=0.0005, ms_per_1k=0.01),
        MethodRun("embedding similarity", "zero-shot", 0, 0, accuracy=0.5, macro_f1=0.45, ms_per_1k=300.0),
        MethodRun("NLI", "zero-shot", 0, 0, accuracy=0.4, macro_f1=0.35, ms_per_1k=40000.0),
        *[
            MethodRun(
                "SetFit", "8 per class", 616, seed, accuracy=0.80 + d, macro_f1=0.79 + d, ms_per_1k=300.0
            )
            for seed, d in enumerate([-0.01, 0.0, 0.01])
        ],
        MethodRun("frozen + LR", "8 per class", 616, 0, accuracy=0.78, macro_f1=0.77, ms_per_1k=300.0),
        MethodRun("tf-idf + LR", "all labels", 9500, 0, accuracy=0.86, macro_f1=0.86, ms_per_1k=15.0),
        MethodRun("full fine-tune", "all labels", 9500, 0, accuracy=0.92, macro_f1=0.92, ms_per_1k=600.0),
        MethodRun(
            "full fine-tune, int8", "all labels", 9500, 0, accuracy=0.92, macro_f1=0.915, ms_per_1k=300.0
        ),
    ]


def test_seeds_are_averaged_with_their_spread_and_costs_follow_the_arithmetic():
    table = approach_table(runs(), cores=2, price_per_core_hour=0.05).set_index("method")
    setfit = table.loc["SetFit"]
    assert setfit["seeds"] == 3 and setfit["macro_f1"] == pytest.approx(0.79)
    assert setfit["macro_f1_sd"] == pytest.approx(0.01)
    assert table.loc["frozen + LR", "macro_f1_sd"] == 0.0
    # 600 ms per 1,000 on 2 cores: 600 s per million = 1/3 core-hour = $0.0167 at $0.05
    assert table.loc["full fine-tune", "cost_per_million"] == pytest.approx(600 * 2 / 3600 * 0.05)
    assert list(table["regime"].unique()) == ["none", "zero-shot", "8 per class", "all labels"]


def test_the_frontier_drops_what_another_method_beats_on_both_counts():
    table = approach_table(runs(), cores=2, price_per_core_hour=0.05)
    on = set(table.loc[frontier(table), "method"])
    # NLI costs more and scores less than embedding similarity; the fp32 fine-tune costs twice its
    # int8 copy for 0.005 more macro-F1 (not dominated); frozen + LR loses to SetFit at the same cost
    assert "NLI" not in on and "frozen + LR" not in on and "embedding similarity" not in on
    assert {"majority", "tf-idf + LR", "full fine-tune", "full fine-tune, int8"} <= on
    table.loc[0, "cost_per_million"] = np.nan
    assert not frontier(table)[0]


def test_the_winners_per_regime_and_bad_runs_are_named():
    table = approach_table(runs(), cores=2, price_per_core_hour=0.05)
    assert decision_rows(table) == {
        "zero-shot": "embedding similarity",
        "8 per class": "SetFit",
        "all labels": "full fine-tune",
    }
    with pytest.raises(ValueError, match="regime must be one of"):
        MethodRun("x", "few", 8, 0, accuracy=0.5, macro_f1=0.5)
    with pytest.raises(ValueError, match="macro_f1 must be a share"):
        MethodRun("x", "none", 0, 0, accuracy=0.5, macro_f1=50.0)
    with pytest.raises(ValueError, match="at least one"):
        approach_table([], cores=2, price_per_core_hour=0.05)


def test_ms_per_1k_warms_up_first_and_times_the_whole_list():
    calls = []
    value = ms_per_1k(lambda texts: calls.append(len(texts)) or texts, ["a"] * 100, warm_up=8)
    assert calls == [8, 100] and value > 0
    with pytest.raises(ValueError, match="at least one text"):
        ms_per_1k(lambda texts: texts, [])


def test_a_tie_goes_to_the_cheaper_method_and_warm_up_can_be_skipped():
    tied = [
        MethodRun("slow", "all labels", 10, 0, accuracy=0.9, macro_f1=0.9, ms_per_1k=900.0),
        MethodRun("fast", "all labels", 10, 0, accuracy=0.9, macro_f1=0.9, ms_per_1k=9.0),
    ]
    table = approach_table(tied, cores=2, price_per_core_hour=0.05)
    assert decision_rows(table) == {"all labels": "fast"}
    calls = []
    ms_per_1k(lambda texts: calls.append(len(texts)), ["a", "b"], warm_up=0)
    assert calls == [2]
