import numpy as np
import pytest

from clflib import hierarchy


def test_intent_to_domain_map():
    mapping = hierarchy.intent_to_domain_map([0, 1, 2, 0], [1, 0, 1, 1], num_intents=4)
    assert mapping.tolist() == [1, 0, 1, -1]
    with pytest.raises(ValueError, match="appears in domains"):
        hierarchy.intent_to_domain_map([0, 0], [0, 1], 1)


def test_top_down_stays_inside_the_predicted_domain():
    mapping = np.array([0, 0, 1, 1])
    intent_probs = np.array([[0.1, 0.1, 0.7, 0.1], [0.4, 0.3, 0.2, 0.1]])
    domain_probs = np.array([[0.8, 0.2], [0.1, 0.9]])
    assert hierarchy.top_down_predict(domain_probs, intent_probs, mapping).tolist() == [0, 2]
