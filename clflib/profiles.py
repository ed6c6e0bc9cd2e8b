"""Run profiles: one set of sizes for tests, one for a laptop CPU, one for a GPU.

Used by every lesson (lesson 01 explains the profiles).

- ``smoke``: the embedded support inbox, a few dozen steps, MiniLM cut to its first 2 layers
  (``"minilm-l2"``); about a minute per lesson on 2 cores. The same whether a learner types
  ``PROFILE = "smoke"`` or ``make course PROFILE=smoke`` runs it: a lesson's own smoke settings
  live in its notebook.
- ``cpu``: real data, subsampled so a lesson runs in at most ~10 minutes on 2 cores.
- ``gpu``: full data, full epochs, bf16 or fp16 where the device supports it.

``"auto"`` picks gpu when CUDA is available, else cpu. Explicit values override the profile;
``None`` means "keep the profile's value", so notebook parameters can default to None.

>>> p = get_profile("smoke", num_epochs=3, batch_size=None)
>>> (p.name, p.num_epochs, p.batch_size)
('smoke', 3, 16)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

__all__ = [
    "Profile",
    "PROFILES",
    "PROFILE_FIELDS",
    "cuda_is_available",
    "resolve_profile_name",
    "get_profile",
    "resolve_precision",
]


@dataclass(frozen=True)
class Profile:
    """Sizes and optimisation settings of one kind of run.

    ``model_name``: the checkpoint a lesson fine-tunes when its ``MODEL_NAME`` is None.
    ``max_train_samples`` / ``max_eval_samples``: None keeps the whole split.
    ``precision``: "fp32", "bf16" or "fp16" ("auto" in the gpu profile picks bf16 when supported).
    ``embedded_data_only``: use the support inbox instead of the lesson's real dataset.
    ``timing_samples``: examples used by in-notebook timing demonstrations.
    """

    name: str
    model_name: str
    max_train_samples: int | None
    max_eval_samples: int | None
    num_epochs: float
    batch_size: int
    eval_batch_size: int
    learning_rate: float
    weight_decay: float
    warmup_ratio: float
    max_length: int
    early_stopping_patience: int
    precision: str
    embedded_data_only: bool
    timing_samples: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


PROFILES: dict[str, Profile] = {
    "smoke": Profile(
        name="smoke",
        model_name="minilm-l2",
        max_train_samples=None,
        max_eval_samples=200,
        num_epochs=3,
        batch_size=16,
        eval_batch_size=64,
        learning_rate=1e-4,
        weight_decay=0.01,
        warmup_ratio=0.1,
        max_length=128,
        early_stopping_patience=2,
        precision="fp32",
        embedded_data_only=True,
        timing_samples=64,
    ),
    "cpu": Profile(
        name="cpu",
        model_name="minilm",
        max_train_samples=8000,
        max_eval_samples=None,
        num_epochs=2,
        batch_size=32,
        eval_batch_size=128,
        learning_rate=1e-4,
        weight_decay=0.01,
        warmup_ratio=0.1,
        max_length=128,
        early_stopping_patience=2,
        precision="fp32",
        embedded_data_only=False,
        timing_samples=256,
    ),
    "gpu": Profile(
        name="gpu",
        model_name="minilm",
        max_train_samples=None,
        max_eval_samples=None,
        num_epochs=4,
        batch_size=32,
        eval_batch_size=256,
        learning_rate=5e-5,
        weight_decay=0.01,
        warmup_ratio=0.1,
        max_length=256,
        early_stopping_patience=2,
        precision="auto",
        embedded_data_only=False,
        timing_samples=2048,
    ),
}

PROFILE_FIELDS = tuple(f.name for f in fields(Profile) if f.name != "name")


def cuda_is_available() -> bool:
    import torch

    return torch.cuda.is_available()


def resolve_profile_name(name: str = "auto") -> str:
    """ "auto" becomes "gpu" with CUDA, else "cpu"; other names are checked and returned."""
    if not isinstance(name, str):
        raise TypeError(f"PROFILE must be a string such as 'auto', got {name!r}.")
    key = name.strip().lower()
    if key == "auto":
        return "gpu" if cuda_is_available() else "cpu"
    if key not in PROFILES:
        raise ValueError(
            f"Unknown PROFILE {name!r}. Choose one of: 'auto', {', '.join(map(repr, PROFILES))}."
        )
    return key


def get_profile(
    name: str = "auto", lesson_defaults: dict[str, dict[str, Any]] | None = None, **overrides: Any
) -> Profile:
    """The named profile with a lesson's defaults, then explicit overrides, applied.

    ``lesson_defaults`` maps a profile name to settings a lesson needs (e.g. more epochs for 150
    classes); explicit ``overrides`` win over them, and None values are ignored. Settings use
    the field names of :class:`Profile` (``max_train_samples``, ``num_epochs``, ``batch_size``,
    ``learning_rate``, ...). A misspelt name raises instead of being ignored.

    >>> get_profile("cpu", {"cpu": {"num_epochs": 4}}, num_epochs=None).num_epochs
    4
    >>> get_profile("cpu", {"cpu": {"max_train_samples": None}}).max_train_samples is None
    True
    """
    resolved = resolve_profile_name(name)
    lesson = dict((lesson_defaults or {}).get(resolved, {}))
    unknown = sorted((set(overrides) | set(lesson)) - set(PROFILE_FIELDS))
    if unknown:
        raise TypeError(f"Unknown profile setting(s) {unknown}. Valid settings: {', '.join(PROFILE_FIELDS)}.")
    profile = PROFILES[resolved]
    chosen = {**lesson, **{key: value for key, value in overrides.items() if value is not None}}
    for key in ("num_epochs", "batch_size", "eval_batch_size", "learning_rate", "max_length"):
        if key in chosen and not chosen[key] > 0:
            raise ValueError(f"{key} must be positive, got {chosen[key]!r}.")
    for key in ("max_train_samples", "max_eval_samples"):
        # None keeps the whole split: a lesson's default may ask for it (lesson 10 trains on all)
        if chosen.get(key) is not None and (not isinstance(chosen[key], int) or chosen[key] < 1):
            raise ValueError(f"{key} must be a positive integer or None, got {chosen[key]!r}.")
    return replace(profile, **chosen)


def resolve_precision(profile: Profile) -> str:
    """ "fp32", "bf16" or "fp16" for this machine.

    "auto" picks bf16 on GPUs that support it, fp16 on older GPUs, fp32 on CPU. A CPU run always
    stays fp32: on CPUs without native bf16 a bf16 matmul is far slower than fp32.
    """
    import torch

    if not torch.cuda.is_available():
        return "fp32"
    if profile.precision != "auto":
        return profile.precision
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
