"""The same Predictor across many processes or machines, with Ray Data.

Taught in lesson 08.

Ray Data streams a dataset through ``map_batches``; given a *class*, it starts a pool of actors
(worker processes) and each builds one instance, so the model is loaded once per worker, not
once per batch. :class:`RayPredictor` is that class: it wraps
:meth:`clflib.serving.predictor.Predictor.predict_frame`, so the columns are the same as from
``python -m clflib.serving.predict`` (``pred_label``, ``pred_score``, ... and ``pred_error``).

On one machine (what the tests run), ``ray.init(num_cpus=2)`` starts a local Ray. On a cluster,
start Ray on each node (``ray start --head`` on one, ``ray start --address=HEAD:6379`` on the
others; or KubeRay on Kubernetes), make the model folder readable from every node (a shared
file system, or copy it to each node at the same path), and run the same code with
``ray.init(address="auto")``; read and write with paths every node can reach (s3://, gs://, NFS).
More workers: raise ``workers``; each uses ``cpus_per_worker`` CPUs (``num_gpus=1`` in
``ray_options`` puts each worker on a GPU: then pass ``precision="bf16"``).

What it costs: on the course's 2-core machine, starting a local Ray took 7 to 17 s and each
worker 8 to 13 s more (a fresh process importing torch and transformers, then the model). That
is noise for a job of hours and a waste for a file that ``python -m clflib.serving.predict`` finishes in
a minute: use Ray when one machine is not enough.

>>> import ray  # doctest: +SKIP
>>> ray.init(num_cpus=2)  # doctest: +SKIP
>>> data = ray.data.read_parquet("s3://bucket/emails/")  # doctest: +SKIP
>>> predicted = predict_with_ray(data, "/shared/models/intent", workers=4)  # doctest: +SKIP
>>> predicted.write_parquet("s3://bucket/emails_predicted/")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from clflib.serving.predictor import Predictor

__all__ = ["RayPredictor", "predict_with_ray"]


class RayPredictor:
    """A callable class for ``Dataset.map_batches``: loads the model once, then predicts batches.

    >>> RayPredictor("runs/my_model")(pd.DataFrame({"text": ["hi"]})).columns.tolist()  # doctest: +SKIP
    ['text', 'pred_label', 'pred_score', 'pred_probabilities', 'pred_error']
    """

    def __init__(
        self,
        model_dir: str | Path,
        text_column: str = "text",
        prefix: str = "pred_",
        invalid: str = "null",
        **predictor_options: Any,
    ) -> None:
        self.predictor = Predictor.from_folder(model_dir, **predictor_options)
        self.text_column, self.prefix, self.invalid = text_column, prefix, invalid

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        return self.predictor.predict_frame(
            batch, text_column=self.text_column, prefix=self.prefix, invalid=self.invalid
        )


def predict_with_ray(
    dataset,
    model_dir: str | Path,
    *,
    text_column: str = "text",
    prefix: str = "pred_",
    invalid: str = "null",
    workers: int = 1,
    cpus_per_worker: float = 1,
    rows_per_batch: int = 1024,
    ray_options: dict | None = None,
    **predictor_options: Any,
):
    """``dataset`` (a ``ray.data.Dataset``) with the prediction columns added, lazily.

    ``workers`` actors each load the model once; ``rows_per_batch`` rows go to each call (the
    Predictor then splits them into its own length-sorted ``batch_size`` batches). Nothing runs
    until the result is consumed (``write_parquet``, ``take_all``, ``iter_batches``, ...).
    """
    from ray.data import ActorPoolStrategy

    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}.")
    return dataset.map_batches(
        RayPredictor,
        fn_constructor_kwargs={
            "model_dir": str(model_dir),
            "text_column": text_column,
            "prefix": prefix,
            "invalid": invalid,
            **predictor_options,
        },
        batch_size=rows_per_batch,
        batch_format="pandas",
        compute=ActorPoolStrategy(size=workers),
        num_cpus=cpus_per_worker,
        **(ray_options or {}),
    )
