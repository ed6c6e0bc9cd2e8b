import http.server
import os
import socket
import threading
import time
import warnings

import pytest
import torch

from clflib import environment


def test_hub_check_is_skipped_when_offline_is_set():
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    started = time.perf_counter()
    assert environment.hub_is_reachable() is False
    assert time.perf_counter() - started < 0.1


def test_hub_check_answers_within_its_timeout(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    started = time.perf_counter()
    # 10.255.255.1 is unroutable (or, behind a proxy, never answers HTTPS): no real answer
    assert environment.hub_is_reachable(timeout=0.5, url="https://10.255.255.1/") is False
    assert time.perf_counter() - started < 1.0


def test_a_server_that_accepts_but_never_answers_is_not_the_hub(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert environment.hub_is_reachable(timeout=0.5, url=f"http://127.0.0.1:{port}/") is False


def test_hub_check_sees_a_server_that_answers(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")

    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):  # an error status is still an answer
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        assert environment.hub_is_reachable(timeout=2.0, url=url) is True
    finally:
        server.shutdown()
        server.server_close()


def test_set_offline_mode_sets_all_variables(monkeypatch):
    for name in environment.OFFLINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    environment.set_offline_mode()
    assert all(os.environ[name] == "1" for name in environment.OFFLINE_VARIABLES)
    import huggingface_hub.constants

    assert huggingface_hub.constants.HF_HUB_OFFLINE is True


def test_seed_everything_makes_torch_and_numpy_repeat():
    import numpy as np

    environment.seed_everything(7)
    first = (torch.rand(3), np.random.rand(3))
    environment.seed_everything(7)
    second = (torch.rand(3), np.random.rand(3))
    assert torch.equal(first[0], second[0])
    assert (first[1] == second[1]).all()


def test_setup_reports_versions_device_and_says_what_no_gpu_means(capsys):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        env = environment.setup(seed=3)
    printed = capsys.readouterr().out
    assert "transformers" in printed and "device: cpu" in printed and "seed: 3" in printed
    assert env.hub_online is False and env.device == "cpu" and not env.has_gpu
    assert env.versions["torch"].startswith("2.")
    assert (
        "No GPU: a lesson's PROFILE (set in its parameters cell below) of 'auto' will pick 'cpu'" in printed
    )
    assert not [w for w in caught if "GPU" in str(w.message)], (
        "a smoke or cpu run is not something to warn about"
    )


def test_package_version_of_missing_package():
    assert environment.package_version("no-such-package-xyz") == "not installed"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_detect_device_on_gpu():
    assert environment.detect_device()[0] == "cuda"
