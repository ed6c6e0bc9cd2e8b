"""Tests that run outside a submission's kernel: its values arrive as plain data, never as code.

Course tooling (instructors): the grading side of ``make grade``.

A submitted notebook runs in a sandboxed kernel (:mod:`clflib.course.sandbox`); the set's tests
run afterwards in the grader's own process, where the submission's code never ran. When a test
asks for a variable of the notebook, :class:`RemoteNamespace` fetches it from the kernel:

- plain data (numbers, strings, lists, dicts, NumPy arrays, torch tensors) crosses as JSON
  and is rebuilt here from a short list of known types, so an answer cannot bring code along (no
  object whose ``__eq__`` always says yes, no patched test class);
- anything else (a function, a model, a tokenizer, a ``Dataset``) stays in the kernel and is
  seen here as a :class:`Remote` handle: calling it, reading an attribute or an item, iterating
  it or taking its length sends one request and brings the answer back as data, or as another
  handle.

So the submission's code runs only in its sandbox, and what it can forge is the data its
functions return, which the tests then judge with code it never saw. :func:`serve` is the
kernel's side (the worker sends ``clflib.course.remote.serve(...)`` requests);
:func:`encode` / :func:`decode` are the format both sides share.

>>> decode(json.loads(json.dumps(encode({1: (2.5, "a"), "b": [None, True]}))))
{1: (2.5, 'a'), 'b': [None, True]}
>>> decode(encode(Remote))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
TypeError: a type cannot be sent to the submission's kernel...
"""

from __future__ import annotations

import builtins
import collections
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MAX_ITEMS",
    "RemoteError",
    "Remote",
    "RemoteNamespace",
    "NotebookSource",
    "encode",
    "decode",
    "serve",
    "serve_file",
]

MAX_ITEMS = 5_000_000  # numbers in one array or tensor; more is refused, not loaded
_NUMERIC = {
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64",
}  # fmt: skip
_TENSOR_TYPES = _NUMERIC | {"bfloat16"}
_EXCEPTIONS = {
    name: value
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, Exception) and not issubclass(value, Warning)
}


class RemoteError(Exception):
    """An exception raised in the submission's kernel whose type has no builtin equivalent here."""


def _count(value: Any) -> int:
    size = getattr(value, "size", None)
    if callable(size):  # a torch tensor
        size = value.numel()
    return int(size) if size is not None else 1


# --- the format ----------------------------------------------------------------------------


def encode(value: Any, keep: Callable[[Any], dict] | None = None, _depth: int = 0) -> dict:
    """``value`` as JSON-ready tagged data; what is not data goes to ``keep`` (None: refused).

    >>> encode((1, "x"))
    {'t': 'tuple', 'v': [{'t': 'int', 'v': 1}, {'t': 'str', 'v': 'x'}]}
    """
    if _depth > 60:
        raise ValueError("the value is nested more than 60 levels deep")
    kind = type(value)
    if value is None:
        return {"t": "none"}
    if value is Ellipsis:  # an exercise's answer not written yet
        return {"t": "ellipsis"}
    if kind is bool:
        return {"t": "bool", "v": value}
    if kind is int:
        return {"t": "int", "v": value}
    if kind is float:
        return {"t": "float", "v": value}
    if kind is str:
        return {"t": "str", "v": value}
    if kind in (list, tuple, set, frozenset):
        return {"t": kind.__name__, "v": [encode(item, keep, _depth + 1) for item in value]}
    if kind in (dict, collections.OrderedDict):
        pairs = list(value.items())
        return {
            "t": "dict",
            "k": [encode(k, keep, _depth + 1) for k, _ in pairs],
            "v": [encode(v, keep, _depth + 1) for _, v in pairs],
        }
    module = getattr(kind, "__module__", "") or ""
    if module == "numpy" or module.startswith("numpy."):
        encoded = _encode_numpy(value, keep, _depth)
        if encoded is not None:
            return encoded
    if module.startswith("torch"):
        encoded = _encode_torch(value)
        if encoded is not None:
            return encoded
    if module.startswith("pandas") and kind.__name__ in ("DataFrame", "Series"):
        return _encode_pandas(value, keep, _depth)
    if keep is None:
        if module.startswith("datasets") and kind.__name__ == "Dataset":
            return {"t": "dataset", "v": encode(value.to_dict()), "features": value.features.to_dict()}
        if isinstance(value, Remote):
            return {"t": "ref", "id": value._id}
        what = "a type" if isinstance(value, type) else f"a {kind.__module__}.{kind.__name__}"
        raise TypeError(
            f"{what} cannot be sent to the submission's kernel: only plain data, datasets and "
            "the submission's own objects (Remote handles) can."
        )
    return keep(value)


def _raw(array) -> str:
    """A numeric array's bytes (little-endian, C order) in base64: fast, and only ever numbers."""
    import base64

    import numpy as np

    return base64.b64encode(
        np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
    ).decode()


def _numbers(item: dict, dtype: str):
    """The flat NumPy array of an encoded numeric payload, its length checked against the shape."""
    import base64
    import binascii

    import numpy as np

    shape, size = _shape(item)
    if not isinstance(item.get("b64"), str) or len(item["b64"]) > 4 * (size * 8 // 3 + 4):
        raise ValueError("a numeric payload that is not base64 of the right size")
    try:
        data = base64.b64decode(item["b64"], validate=True)
    except binascii.Error as error:
        raise ValueError(f"a numeric payload that is not base64: {error}") from None
    wire = np.dtype(dtype).newbyteorder("<")
    if len(data) != size * wire.itemsize:
        raise ValueError(f"shape {shape} needs {size * wire.itemsize} bytes, got {len(data)}")
    return np.frombuffer(data, dtype=wire).astype(dtype).reshape(shape)


def _encode_numpy(value: Any, keep, depth: int) -> dict | None:
    import numpy as np

    if isinstance(value, np.generic) and value.dtype.name in _NUMERIC:
        return {"t": "npscalar", "dtype": value.dtype.name, "v": value.item()}
    if isinstance(value, np.str_):
        return {"t": "str", "v": str(value)}
    if not isinstance(value, np.ndarray):
        return None
    if value.size > MAX_ITEMS:
        raise ValueError(f"an array of {value.size} numbers is more than the {MAX_ITEMS} allowed")
    if value.dtype.name in _NUMERIC:
        return {"t": "ndarray", "dtype": value.dtype.name, "shape": list(value.shape), "b64": _raw(value)}
    if value.dtype.kind in "US":
        return {
            "t": "ndarray",
            "dtype": "str",
            "shape": list(value.shape),
            "v": [str(x) for x in value.ravel()],
        }
    if value.dtype.kind == "O":
        items = [encode(x, keep, depth + 1) for x in value.ravel()]
        return {"t": "ndarray", "dtype": "object", "shape": list(value.shape), "v": items}
    return None


def _encode_torch(value: Any) -> dict | None:
    import torch

    if type(value) is torch.Tensor:  # a model's Parameter stays in the kernel, as a handle
        if value.numel() > MAX_ITEMS:
            raise ValueError(f"a tensor of {value.numel()} numbers is more than the {MAX_ITEMS} allowed")
        dtype = str(value.dtype).removeprefix("torch.")
        if dtype not in _TENSOR_TYPES:
            return None
        flat = value.detach().cpu().reshape(-1)
        numbers = (flat.float() if dtype == "bfloat16" else flat).numpy()  # bfloat16 travels as float32
        encoded = {"t": "tensor", "dtype": dtype, "shape": list(value.shape), "b64": _raw(numbers)}
        if value.requires_grad:
            encoded["grad"] = True
        return encoded
    if isinstance(value, torch.dtype):
        return {"t": "torch_dtype", "v": str(value).removeprefix("torch.")}
    if isinstance(value, torch.device):
        return {"t": "torch_device", "v": str(value)}
    return None


def _encode_pandas(value: Any, keep, depth: int) -> dict:
    """A DataFrame or Series by value: its index and columns as lists of plain values."""
    if value.size > MAX_ITEMS:
        raise ValueError(f"a table of {value.size} values is more than the {MAX_ITEMS} allowed")
    index = encode(value.index.tolist(), keep, depth + 1)
    if type(value).__name__ == "Series":
        name = encode(value.name, keep, depth + 1)
        return {"t": "series", "name": name, "index": index, "v": encode(value.tolist(), keep, depth + 1)}
    columns = [str(c) for c in value.columns]
    return {
        "t": "dataframe",
        "columns": columns,
        "index": index,
        "v": [encode(value[c].tolist(), keep, depth + 1) for c in value.columns],
    }


def _shape(item: dict) -> tuple[list[int], int]:
    """An encoded array's shape and number of elements, checked: non-negative ints, not too many."""
    shape = item.get("shape")
    if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
        raise ValueError(f"bad shape {str(shape)[:80]}")
    size = 1
    for n in shape:
        size *= n
    if size > MAX_ITEMS:
        raise ValueError(f"{size} values is more than the {MAX_ITEMS} allowed")
    return shape, size


def decode(item: Any, resolve: Callable[[dict], Any] | None = None) -> Any:
    """The value :func:`encode` wrote; ``resolve`` turns a ``ref`` into an object (None: refused).

    Only the tags :func:`encode` writes are accepted, with their types checked: a reply forged
    in the kernel can make a wrong answer, never run code here.
    """
    if not isinstance(item, dict) or not isinstance(item.get("t"), str):
        raise ValueError(f"not an encoded value: {str(item)[:80]}")
    tag, raw = item["t"], item.get("v")
    simple = {"bool": bool, "int": int, "float": (float, int), "str": str}
    if tag == "none":
        return None
    if tag == "ellipsis":
        return Ellipsis
    if tag in simple:
        if not isinstance(raw, simple[tag]) or (tag == "int" and type(raw) is bool):
            raise ValueError(f"a {tag} that is not one: {str(raw)[:80]}")
        return float(raw) if tag == "float" else raw
    if tag in ("list", "tuple", "set", "frozenset"):
        if not isinstance(raw, list):
            raise ValueError(f"a {tag} that is not a list")
        items = [decode(x, resolve) for x in raw]
        return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
    if tag == "dict":
        keys, values = item.get("k"), raw
        if not isinstance(keys, list) or not isinstance(values, list) or len(keys) != len(values):
            raise ValueError("a dict whose keys and values do not pair up")
        return {decode(k, resolve): decode(v, resolve) for k, v in zip(keys, values)}
    if tag == "npscalar":
        import numpy as np

        if item.get("dtype") not in _NUMERIC or not isinstance(raw, (bool, int, float)):
            raise ValueError(f"bad NumPy scalar {item.get('dtype')!r}")
        return np.dtype(item["dtype"]).type(raw)
    if tag == "ndarray":
        return _decode_array(item, resolve)
    if tag == "tensor":
        import torch

        dtype = item.get("dtype")
        if dtype not in _TENSOR_TYPES:
            raise ValueError(f"bad tensor type {dtype!r}")
        numbers = _numbers(item, "float32" if dtype == "bfloat16" else dtype)
        tensor = torch.from_numpy(numbers.copy()).to(getattr(torch, dtype))
        if item.get("grad") is True and resolve is _resolve and tensor.is_floating_point():
            tensor.requires_grad_(True)  # in the kernel: the test wants this tensor's gradient
        return tensor
    if tag == "torch_dtype":
        import torch

        if raw not in _TENSOR_TYPES:
            raise ValueError(f"bad torch dtype {raw!r}")
        return getattr(torch, raw)
    if tag == "torch_device":
        import torch

        if not isinstance(raw, str) or len(raw) > 20:
            raise ValueError("bad torch device")
        return torch.device(raw)
    if tag in ("dataframe", "series"):
        import pandas as pd

        index = decode(item.get("index"), resolve)
        if not isinstance(index, list):
            raise ValueError("a table without an index list")
        if tag == "series":
            return pd.Series(decode(raw, resolve), index=index, name=decode(item.get("name"), resolve))
        columns = item.get("columns")
        if (
            not isinstance(columns, list)
            or not all(isinstance(c, str) for c in columns)
            or not isinstance(raw, list)
        ):
            raise ValueError("a table whose columns are not named by strings")
        return pd.DataFrame(
            {c: decode(v, resolve) for c, v in zip(columns, raw)}, index=index, columns=columns
        )
    if tag == "dataset":
        from datasets import Dataset, Features

        return Dataset.from_dict(decode(raw, resolve), features=Features.from_dict(item["features"]))
    if tag == "ref" and resolve is not None:
        return resolve(item)
    raise ValueError(f"unknown encoded type {tag!r}")


def _decode_array(item: dict, resolve) -> Any:
    import numpy as np

    dtype, raw = item.get("dtype"), item.get("v")
    if dtype in _NUMERIC:
        return _numbers(item, dtype)
    shape, size = _shape(item)
    if not isinstance(raw, list) or len(raw) != size:
        raise ValueError(f"shape {shape} does not match the values sent")
    if dtype == "str":
        if not all(isinstance(x, str) for x in raw):
            raise ValueError("a string array holds something other than strings")
        return np.array(raw, dtype=str).reshape(shape)
    if dtype == "object":
        array = np.empty(len(raw), dtype=object)
        for i, x in enumerate(raw):
            array[i] = decode(x, resolve)
        return array.reshape(shape)
    raise ValueError(f"bad array type {dtype!r}")


# --- the kernel's side ---------------------------------------------------------------------

_HANDLES: list = []


def _keep(value: Any) -> dict:
    _HANDLES.append(value)
    return {"t": "ref", "id": len(_HANDLES) - 1, "type": type(value).__name__, "callable": callable(value)}


def _resolve(item: dict) -> Any:
    handle = item.get("id")
    if type(handle) is not int or not 0 <= handle < len(_HANDLES):
        raise ValueError(f"no such handle {handle!r}")
    return _HANDLES[handle]


def _call(target, args: list, kwargs: dict) -> tuple[Any, list]:
    """Call ``target``; a scalar tensor result is differentiated for the tensors that asked."""
    import sys

    torch = sys.modules.get("torch")
    wants_grad = [
        a
        for a in list(args) + list(kwargs.values())
        if torch is not None and isinstance(a, torch.Tensor) and a.requires_grad
    ]
    if torch is not None and not wants_grad and isinstance(target, torch.nn.Module):
        with torch.no_grad():
            return target(*args, **kwargs), []
    result = target(*args, **kwargs)
    grads: list = []
    if wants_grad and isinstance(result, torch.Tensor) and result.numel() == 1 and result.requires_grad:
        result.backward()
        grads = [a.grad for a in wants_grad]
    return result, grads


def _handle(request: dict, namespace: Mapping) -> dict:
    op = request.get("op")
    if op == "get":
        name = request.get("name")
        if not isinstance(name, str) or name not in namespace:
            return {"missing": True}
        return {"value": encode(namespace[name], _keep)}
    target = _resolve(request)
    if op == "getattr":
        return {"value": encode(getattr(target, str(request["name"])), _keep)}
    if op == "getitem":
        return {"value": encode(target[decode(request["key"], _resolve)], _keep)}
    if op == "call":
        args = [decode(a, _resolve) for a in request.get("args", [])]
        kwargs = {str(k): decode(v, _resolve) for k, v in request.get("kwargs", {}).items()}
        result, grads = _call(target, args, kwargs)
        return {"value": encode(result, _keep), "grads": [encode(g, _keep) for g in grads]}
    if op == "bool":
        return {"value": encode(bool(target))}
    if op == "len":
        return {"value": encode(len(target))}
    if op == "contains":
        return {"value": encode(decode(request["item"], _resolve) in target)}
    if op == "iter":
        return {"value": _keep(iter(target))}
    if op == "next":
        try:
            return {"value": encode(next(target), _keep)}
        except StopIteration:
            return {"stop": True}
    if op in ("repr", "str"):
        return {"value": encode((repr if op == "repr" else str)(target)[:2000])}
    raise ValueError(f"unknown request {op!r}")


def serve(request: str, namespace: Mapping | None = None) -> str:
    """Answer one request from the grader (the kernel's side); returns the JSON reply.

    >>> reply = json.loads(serve(json.dumps({"op": "get", "name": "x"}), {"x": [1, 2]}))
    >>> decode(reply["value"])
    [1, 2]
    """
    if namespace is None:
        from IPython import get_ipython

        namespace = get_ipython().user_ns
    try:
        reply = _handle(json.loads(request), namespace)
    except Exception as error:  # the learner's code raised: the test sees the same exception
        reply = {"error": {"type": type(error).__name__, "message": str(error)[:2000]}}
    return json.dumps(reply)


def serve_file(request_path: str, reply_path: str) -> None:
    """:func:`serve` through files in the kernel's scratch folder (the worker's transport: a
    large argument never becomes Python source for the kernel to parse)."""
    with open(request_path, encoding="utf-8") as handle:
        request = handle.read()
    reply = serve(request)
    partial = reply_path + ".partial"
    with open(partial, "w", encoding="utf-8") as handle:
        handle.write(reply)
    import os

    os.replace(partial, reply_path)


# --- the grader's side ---------------------------------------------------------------------


class Remote:
    """A handle on an object that lives in the submission's kernel (see the module's docstring)."""

    def __init__(self, channel: Callable[[dict], dict], handle: int, type_name: str, is_callable: bool):
        self._channel, self._id, self._type, self._callable = channel, handle, type_name, is_callable
        # (variable name, NotebookSource) for a notebook's variable: what checks read instead of
        # asking the kernel (clflib.course.checks.own_work_report)
        self._origin: tuple[str, NotebookSource] | None = None

    def _ask(self, op: str, **fields) -> Any:
        return self._channel({"op": op, "id": self._id, **fields})

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_channel", "_id", "_type", "_callable", "_origin"):
            raise AttributeError(name)
        return self._ask("getattr", name=name)

    def __call__(self, *args, **kwargs) -> Any:
        return _remote_call(self, args, kwargs)

    def __getitem__(self, key) -> Any:
        return self._ask("getitem", key=encode(key))

    def __len__(self) -> int:
        return int(self._ask("len"))

    def __bool__(self) -> bool:
        return bool(self._ask("bool"))

    def __contains__(self, item) -> bool:
        return bool(self._ask("contains", item=encode(item)))

    def __iter__(self):
        iterator = self._ask("iter")
        while True:
            try:
                yield next(iterator)
            except StopIteration:
                return

    def __next__(self) -> Any:
        return self._ask("next")

    def __repr__(self) -> str:
        return f"<{self._type} in the submission's kernel>"


def _remote_call(target: Remote, args: tuple, kwargs: dict) -> Any:
    import sys

    torch = sys.modules.get("torch")
    wants_grad = [
        a
        for a in list(args) + list(kwargs.values())
        if torch is not None and isinstance(a, torch.Tensor) and a.requires_grad
    ]
    reply = target._ask(
        "call",
        args=[encode(a) for a in args],
        kwargs={str(k): encode(v) for k, v in kwargs.items()},
        _full_reply=True,
    )
    value, grads = reply
    if wants_grad and isinstance(value, torch.Tensor) and len(grads) == len(wants_grad):
        value = _with_gradient(value, grads, wants_grad)
    return value


def _with_gradient(value, grads: list, inputs: list):
    """``value`` wired to ``inputs`` so ``value.backward()`` gives them the kernel's gradients."""
    import torch

    class KernelGradient(torch.autograd.Function):
        @staticmethod
        def forward(ctx, result, *tensors):
            return result.clone()

        @staticmethod
        def backward(ctx, grad_output):
            return (None, *[None if g is None else g.to(grad_output.dtype) * grad_output for g in grads])

    return KernelGradient.apply(value, *inputs)


@dataclass(frozen=True)
class NotebookSource:
    """The submitted notebook's code, as the grader read it from the file (never from the
    kernel): its code cells in order, and the sources of the cells the course handed out."""

    cells: tuple[str, ...] = ()
    handed_out: frozenset[str] = frozenset()


class RemoteNamespace(Mapping):
    """The submission's variables, fetched from its kernel when a test asks for them.

    ``send`` takes a request (a dict) and returns the kernel's JSON reply; the worker sends it
    as ``clflib.course.remote.serve(...)`` in the kernel. Values are fetched once and kept.
    ``source``: the notebook's code, given to each handle on a variable for checks that read
    the code instead of asking the kernel.
    """

    def __init__(self, send: Callable[[dict], str], source: NotebookSource | None = None):
        self._send = send
        self._source = source or NotebookSource()
        self._values: dict[str, Any] = {}

    def _channel(self, request: dict) -> Any:
        full = request.pop("_full_reply", False)
        reply = json.loads(self._send(request))
        if not isinstance(reply, dict):
            raise ValueError("the kernel's reply is not a JSON object")
        if "error" in reply:
            error = reply["error"] if isinstance(reply["error"], dict) else {}
            name, message = str(error.get("type", "Error"))[:80], str(error.get("message", ""))[:2000]
            kind = _EXCEPTIONS.get(name)
            raise (
                kind(message)
                if kind is not None and kind is not StopIteration
                else RemoteError(f"{name}: {message}")
            )
        if reply.get("stop") is True:
            raise StopIteration
        if reply.get("missing") is True:
            raise KeyError(request.get("name"))
        value = decode(reply.get("value"), self._resolve)
        if full:
            grads = [decode(g) for g in reply.get("grads", [])]
            return value, grads
        return value

    def _resolve(self, item: dict) -> Remote:
        if type(item.get("id")) is not int:
            raise ValueError("a handle without an id")
        return Remote(
            self._channel, item["id"], str(item.get("type", "object"))[:80], bool(item.get("callable"))
        )

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            value = self._channel({"op": "get", "name": name})
            if isinstance(value, Remote):
                value._origin = (name, self._source)
            self._values[name] = value
        return self._values[name]

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except KeyError:
            return default

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)
