"""Make a lesson's environment explicit: versions, device, network, seeds.

Used by every lesson's first cell (lesson 01 explains it).

Every notebook starts with ``clflib.setup()``. It answers the questions a learner (or a CI log)
needs answered before anything trains: which library versions, which device, is the Hugging Face
Hub reachable, and which seed.

>>> import clflib
>>> env = clflib.setup(seed=0, check_hub=False, verbose=False)
>>> env.seed
0
"""

from __future__ import annotations

import logging
import os
import random
import sys
import threading
import warnings
from dataclasses import dataclass, field
from importlib import metadata

import numpy as np

__all__ = [
    "HUB_URL",
    "OFFLINE_VARIABLES",
    "Environment",
    "package_version",
    "offline_mode_is_set",
    "hub_is_reachable",
    "set_offline_mode",
    "seed_everything",
    "detect_device",
    "quiet_libraries",
    "setup",
    "describe",
]

HUB_URL = "https://huggingface.co/api/models?limit=1"
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")
_REPORTED_PACKAGES = ("torch", "transformers", "datasets", "setfit", "scikit-learn", "clflib")


@dataclass(frozen=True)
class Environment:
    """What :func:`setup` found. ``device`` is "cuda", "mps" or "cpu"."""

    device: str
    device_name: str
    hub_online: bool
    seed: int
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def has_gpu(self) -> bool:
        return self.device == "cuda"


def package_version(name: str) -> str:
    """Installed version of a distribution, or "not installed".

    >>> package_version("a-package-that-does-not-exist")
    'not installed'
    """
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def offline_mode_is_set() -> bool:
    """True when the user (or an earlier call) already switched the Hub off."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def hub_is_reachable(timeout: float = 2.0, url: str = HUB_URL) -> bool:
    """One HTTPS request to the Hub, bounded by ``timeout`` seconds in total, no retries.

    Any HTTP answer counts as reachable. A bare TCP connection is not enough: behind a proxy
    that accepts every connection, only a real request tells. DNS lookups can hang far longer
    than a socket timeout on a closed network, so the request runs in a daemon thread and the
    caller waits at most ``timeout`` seconds. Returns False at once when offline mode is set.
    """
    if offline_mode_is_set():
        return False
    import urllib.error
    import urllib.request

    result: list[bool] = []

    def attempt() -> None:
        request = urllib.request.Request(url, method="HEAD")
        try:
            with urllib.request.urlopen(request, timeout=timeout):
                result.append(True)
        except urllib.error.HTTPError:  # the server answered, if only with an error status
            result.append(True)
        except (OSError, ValueError):
            result.append(False)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(result and result[0])


def set_offline_mode() -> None:
    """Tell huggingface_hub, transformers and datasets not to wait on the network.

    huggingface_hub reads HF_HUB_OFFLINE when it is imported, so its constant is updated too in
    case it was imported before this call.
    """
    for name in OFFLINE_VARIABLES:
        os.environ[name] = "1"
    try:
        import huggingface_hub.constants as hub_constants

        hub_constants.HF_HUB_OFFLINE = True
    except (ImportError, AttributeError):  # pragma: no cover - very old huggingface_hub
        pass


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (all devices) so the same run gives the same numbers."""
    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    import torch

    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def detect_device() -> tuple[str, str]:
    """("cuda", GPU name) / ("mps", "Apple GPU") / ("cpu", "N CPU threads")."""
    import torch

    if torch.cuda.is_available():
        return "cuda", torch.cuda.get_device_name(0)
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps", "Apple GPU (MPS)"
    return "cpu", f"{torch.get_num_threads()} CPU threads"


def quiet_libraries() -> None:
    """Silence the per-load reports and progress chatter that bury a notebook's own output.

    Training progress bars stay on (the Trainer's own tqdm); weight-loading reports such as
    "classifier.weight MISSING" are expected when a classification head is new, and the lesson
    explains them once instead of printing them at every load.
    """
    import datasets
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()  # the per-file weight loading bars
    datasets.logging.set_verbosity_error()
    datasets.disable_progress_bars()
    logging.getLogger("sentence_transformers").setLevel(logging.ERROR)
    logging.getLogger("setfit").setLevel(logging.ERROR)
    for noisy in (FutureWarning, DeprecationWarning):
        warnings.filterwarnings("ignore", category=noisy)
    warnings.filterwarnings("ignore", message=".*pin_memory.*")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def setup(seed: int = 42, check_hub: bool = True, verbose: bool = True) -> Environment:
    """Prepare a lesson: quiet logs, decide online/offline, seed, and report.

    Args:
        seed: seeds python, numpy and torch.
        check_hub: probe the Hub once (at most 2 s, no retries). When it is unreachable,
            offline mode is switched on so no later call waits on the network.
        verbose: print versions, device and network state.
    """
    quiet_libraries()
    hub_online = hub_is_reachable() if check_hub else not offline_mode_is_set()
    if not hub_online:
        set_offline_mode()
    seed_everything(seed)
    device, device_name = detect_device()
    versions = {name: package_version(name) for name in _REPORTED_PACKAGES}
    versions["python"] = sys.version.split()[0]
    env = Environment(device, device_name, hub_online, seed, versions)
    if verbose:
        print(describe(env))
        if not env.has_gpu:  # a note, not a warning: a CPU run is what most learners do
            print(
                "No GPU: a lesson's PROFILE (set in its parameters cell below) of 'auto' will pick "
                "'cpu' (subsampled data, a few minutes per lesson). In Colab, Runtime > Change "
                "runtime type > GPU gives the full 'gpu' runs."
            )
    return env


def describe(env: Environment) -> str:
    """A short, printable summary of an :class:`Environment`."""
    lines = [" ".join(f"{name} {version}" for name, version in env.versions.items())]
    lines.append(f"device: {env.device} ({env.device_name})")
    hub = "reachable" if env.hub_online else "unreachable: offline mode on (local data and models)"
    lines.append(f"Hugging Face Hub: {hub}")
    lines.append(f"seed: {env.seed}")
    return "\n".join(lines)
