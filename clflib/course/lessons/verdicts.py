"""Verdict words shared by several lessons' findings: when a change is a change.

A lesson quotes the numbers the learner just produced, and some of its sentences depend on them
("the last epoch was the best", "focal loss hurt here"). Each lesson's file in this package holds
its own sentences, one function per verdict, tested with degenerate numbers too (a model that
learned nothing, a single option, thresholds that all came out the same), so no profile's run
prints a sentence its numbers contradict. This module holds what they share.
"""

from __future__ import annotations

__all__ = ["NOISE_POINTS", "change_verdict"]

NOISE_POINTS = 1.5
"""Macro-F1 points within which two single-seed runs of the lessons' sizes are not told apart."""


def change_verdict(delta_points: float, noise_points: float = NOISE_POINTS) -> str:
    """'helped', 'hurt' or a no-difference phrase for a change of ``delta_points`` points.

    >>> change_verdict(2.0), change_verdict(-0.4)
    ('helped', "moved the score by less than one seed's noise")
    """
    if delta_points > noise_points:
        return "helped"
    if delta_points < -noise_points:
        return "hurt"
    return "moved the score by less than one seed's noise"
