"""The Predictor inside Ray Data (map_batches with a callable class), on a local Ray."""

import pandas as pd
import pytest

ray = pytest.importorskip("ray", reason="Ray Data is an optional dependency: pip install -e '.[distributed]'")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        object_store_memory=150 * 1024 * 1024,
        configure_logging=False,
    )
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    yield
    ray.shutdown()


def test_ray_data_matches_the_predictor(local_ray, tiny_model_dir):
    from clflib.serving.predictor import Predictor
    from clflib.serving.ray_batch import predict_with_ray

    texts = [f"message number {i} " + "word " * (i % 17) for i in range(300)]
    texts[7] = ""
    frame = pd.DataFrame({"id": range(300), "text": texts})
    dataset = ray.data.from_pandas(frame).repartition(4)
    predicted = predict_with_ray(
        dataset, tiny_model_dir, workers=1, rows_per_batch=64, batch_size=16, num_threads=1
    ).to_pandas()
    expected = Predictor.from_folder(tiny_model_dir).predict_frame(frame)
    assert predicted["id"].tolist() == list(range(300))  # every row once, in order
    assert predicted["pred_label"].fillna("-").tolist() == expected["pred_label"].fillna("-").tolist()
    assert (predicted["pred_score"].fillna(-1) - expected["pred_score"].fillna(-1)).abs().max() < 1e-5
    assert predicted.loc[7, "pred_error"] == "empty or whitespace"
