"""The benchmark scripts: their arithmetic, and the inference benchmark end to end on a tiny model."""

import importlib.util
import json
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def arm(name, seconds, curve):
    return {
        "arm": name,
        "training_seconds": seconds,
        "padded_tokens": 1000 * seconds,
        "final_test_accuracy": curve[-1][2],
        "accuracy_curve": curve,
    }


def test_train_speed_ratios_are_over_the_classic_arm_of_the_same_run():
    train_speed = load("train_speed")
    classic = arm("classic", 600.0, [(1, 200.0, 0.80), (2, 400.0, 0.84), (3, 600.0, 0.85)])
    fast = arm("clflib", 120.0, [(1, 40.0, 0.83), (2, 80.0, 0.845), (3, 120.0, 0.86)])
    never = arm("clflib_same_lr", 150.0, [(3, 150.0, 0.70)])
    rows = {r["arm"]: r for r in train_speed.summarise([classic, fast, never])}
    assert rows["clflib"]["target_accuracy"] == pytest.approx(0.84)
    assert rows["clflib"]["seconds_to_target"] == 80.0  # 0.83 at 40 s is still short of 0.84
    assert rows["clflib"]["time_to_accuracy_speedup"] == pytest.approx(600 / 80)
    assert rows["clflib"]["same_steps_speedup"] == pytest.approx(5.0)
    assert rows["classic"]["time_to_accuracy_speedup"] == pytest.approx(600 / 400)
    assert rows["clflib_same_lr"]["time_to_accuracy_speedup"] is None


@pytest.mark.real_data
def test_inference_benchmark_runs_end_to_end(real_data_dir, tiny_model_dir, tmp_path, capsys):
    inference_speed = load("inference_speed")
    output = tmp_path / "inference.json"
    assert (
        inference_speed.main(
            [
                "--model-dir",
                str(tiny_model_dir),
                "--texts",
                "40",
                "--latency-texts",
                "3",
                "--repeats",
                "1",
                "--output",
                str(output),
            ]
        )
        == 0
    )
    result = json.loads(output.read_text())
    rows = {r["configuration"]: r for r in result["configurations"]}
    assert list(rows)[:5] == [
        "pipeline default",
        "pipeline batch 32",
        "Predictor fp32",
        "Predictor int8",
        "Predictor ONNX",
    ]
    assert rows["pipeline default"]["speedup"] == 1.0
    # one fp32 model served three ways decides the same
    assert rows["Predictor fp32"]["accuracy"] == rows["pipeline default"]["accuracy"]
    assert all(r["hardware_share"] > 0 for r in rows.values())
    assert set(result["targets_met"]) and "target" in capsys.readouterr().out


def test_zero_shot_benchmark_runs_end_to_end(real_data_dir, tiny_nli_model_dir, tmp_path, capsys):
    zero_shot_speed = load("zero_shot_speed")
    output = tmp_path / "zero_shot.json"
    arguments = ["--model-dir", str(tiny_nli_model_dir), "--texts", "6", "--labels", "2", "5"]
    assert zero_shot_speed.main([*arguments, "--repeats", "1", "--output", str(output)]) == 0
    result = json.loads(output.read_text())
    rows = {(r["labels"], r["route"]): r for r in result["rows"]}
    assert rows[(2, "NLI pipeline, text by text")]["speedup"] == 1.0
    assert rows[(5, "NLI clflib, batched pairs")]["forward_passes"] == 30
    assert rows[(5, "embedding similarity")]["forward_passes"] == 11
    assert result["same_scores"], "the batched route must give the pipeline's scores"
    assert len(result["targets_met"]) == 2 and "same scores as the pipeline: True" in capsys.readouterr().out
