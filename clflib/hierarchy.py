"""Labels in a hierarchy: intents belong to domains.

Taught in lesson 02.

A flat classifier picks one of all intents. A top-down one first picks the domain, then the
best intent inside that domain. Both can be read at the domain level too.

>>> import numpy as np
>>> intent_to_domain = np.array([0, 0, 1])
>>> top_down_predict(np.array([[0.3, 0.7]]), np.array([[0.5, 0.1, 0.4]]), intent_to_domain).tolist()
[2]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["intent_to_domain_map", "top_down_predict"]


def intent_to_domain_map(intents: Sequence[int], domains: Sequence[int], num_intents: int) -> np.ndarray:
    """Array ``m`` with ``m[intent] = domain``, read off labelled data; refuses inconsistent data.

    Intents that never occur get -1.
    """
    mapping = np.full(num_intents, -1, dtype=int)
    for intent, domain in zip(intents, domains):
        if mapping[intent] not in (-1, domain):
            raise ValueError(f"intent {intent} appears in domains {mapping[intent]} and {domain}.")
        mapping[intent] = domain
    return mapping


def top_down_predict(
    domain_probabilities_: np.ndarray, intent_probabilities: np.ndarray, intent_to_domain: np.ndarray
) -> np.ndarray:
    """Pick the domain first, then the most probable intent within it."""
    domains = np.asarray(domain_probabilities_).argmax(axis=1)
    allowed = np.asarray(intent_to_domain)[None, :] == domains[:, None]
    masked = np.where(allowed, np.asarray(intent_probabilities), -np.inf)
    return masked.argmax(axis=1)
