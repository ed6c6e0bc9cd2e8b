"""Error analysis: which examples the model gets wrong, and how sure it was.

>>> import numpy as np
>>> table = most_confident_mistakes(["a", "b", "c"], [0, 1, 1],
...                                 np.array([[0.9, 0.1], [0.2, 0.8], [0.95, 0.05]]),
...                                 {0: "neg", 1: "pos"})
>>> table[["text", "true", "predicted"]].values.tolist()
[['c', 'pos', 'neg']]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def most_confident_mistakes(texts: Sequence[str], labels: Sequence[int], probabilities: np.ndarray,
                            id2label: Mapping[int, str], k: int = 10) -> pd.DataFrame:
    """The ``k`` wrong predictions the model was most sure of, most confident first.

    Confident mistakes are where to look first: they are often label noise, sarcasm, negation
    or examples outside what the training data covered.
    """
    probabilities = np.asarray(probabilities)
    labels = np.asarray(labels)
    if len(texts) != len(labels) or len(labels) != len(probabilities):
        raise ValueError(
            f"texts, labels and probabilities must have the same length, got "
            f"{len(texts)}, {len(labels)}, {len(probabilities)}."
        )
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probabilities[wrong, predicted[wrong]]
    order = wrong[np.argsort(-confidence, kind="stable")][:k]
    return pd.DataFrame({
        "text": [texts[i] for i in order],
        "true": [id2label[int(labels[i])] for i in order],
        "predicted": [id2label[int(predicted[i])] for i in order],
        "confidence": probabilities[order, predicted[order]].round(3),
    })
