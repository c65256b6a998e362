#!/usr/bin/python3
"""Legacy PyTorch `.bin` files for @denoise/diffusers' restricted reader, written by torch itself where possible.

Run with Debian's python3-torch and python3-numpy (torch 1.13.0a0, numpy 1.24.2 when committed):

    PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.make_torch_bin_fixtures.make

Writes fixtures/torch-bin/ (see README.md beside this file for what each file is for). Nothing here ever
loads a pickle: the malicious files are written, never read back.
"""
import collections
import io
import json
import os
import pickle
import shutil
import struct
import subprocess
import zipfile

import numpy as np
import torch

from denoise_tools.repo import REPO_ROOT

UNET = REPO_ROOT / "fixtures" / "diffusers-unet" / "ddpm-cifar10-32-tiny"
OUT = REPO_ROOT / "fixtures" / "torch-bin"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)

SAFETENSORS_DTYPES = {"F32": (np.float32, torch.float32), "F16": (np.float16, torch.float16)}


def read_safetensors(path):
    """The state_dict of a safetensors file, parsed by hand (8-byte LE header length, JSON header, data)."""
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    data = raw[8 + header_len :]
    state = collections.OrderedDict()
    for name, info in header.items():
        if name == "__metadata__":
            continue
        np_dtype, _ = SAFETENSORS_DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=np_dtype).reshape(info["shape"]).copy()
        state[name] = torch.from_numpy(array)
    return state


def with_module_metadata(state):
    """model.state_dict() is an OrderedDict carrying `_metadata`, which pickles as a BUILD on the dict."""
    state._metadata = collections.OrderedDict([("", {"version": 1})])
    return state


def tensor_bytes(t):
    """C-order little-endian bytes of a tensor (what a reader must hand out)."""
    return t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()


# --- zip archives in torch's layout, for files torch.save cannot be made to write ------------------------


def write_torch_zip(path, records, folder="archive", deflate=()):
    """A zip laid out as torch.save lays it out: <folder>/data.pkl, <folder>/data/<key>, <folder>/version."""
    with zipfile.ZipFile(path, "w") as z:
        for name, data in records.items():
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED if name in deflate or "*" in deflate else zipfile.ZIP_STORED
            z.writestr(info, data)


def repack(source, path, deflate=(), extra=None, replace=None):
    """Rewrites a torch.save zip member by member (optionally deflated, with records added or replaced)."""
    with zipfile.ZipFile(source) as z:
        folder = z.namelist()[0].split("/")[0]
        records = {n.split("/", 1)[1]: z.read(n) for n in z.namelist()}
    records.update(replace or {})
    records.update(extra or {})
    write_torch_zip(path, records, folder=folder, deflate=deflate)


class FakeStorage:
    """Pickles as torch's persistent id ('storage', StorageType, key, location, numel)."""

    def __init__(self, storage_type, key, numel):
        self.storage_type, self.key, self.numel = storage_type, key, numel


class FakeTensor:
    """Pickles exactly as a tensor does (_rebuild_tensor_v2), with whatever storage view we ask for."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def __reduce__(self):
        args = (self.storage, self.offset, tuple(self.size), tuple(self.stride), False, collections.OrderedDict())
        return (torch._utils._rebuild_tensor_v2, args)


class TorchLikePickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            return ("storage", obj.storage_type, obj.key, "cpu", obj.numel)
        return None


def crafted_pickle(obj, protocol=2):
    buffer = io.BytesIO()
    TorchLikePickler(buffer, protocol=protocol).dump(obj)
    return buffer.getvalue()


def write_crafted(path, obj, storages):
    write_torch_zip(path, {"data.pkl": crafted_pickle(obj), **{f"data/{k}": v for k, v in storages.items()}, "version": b"3\n"})


# --- the fixtures ----------------------------------------------------------------------------------------


def unet_fixtures():
    folder = OUT / "ddpm-cifar10-32-tiny"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(UNET / "config.json", folder / "config.json")
    state = with_module_metadata(read_safetensors(UNET / "diffusion_pytorch_model.safetensors"))
    torch.save(state, folder / "diffusion_pytorch_model.bin")
    state16 = with_module_metadata(read_safetensors(UNET / "diffusion_pytorch_model.fp16.safetensors"))
    torch.save(state16, folder / "diffusion_pytorch_model.fp16.bin")


def views_state():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) * 0.5 - 3
    shared = torch.arange(10, dtype=torch.int32) * -7
    state = collections.OrderedDict()
    state["base"] = base  # contiguous, storage offset 0
    state["row"] = base[2]  # contiguous, storage offset 12
    state["unit-row"] = base[1:2]  # [1, 6], contiguous, offset 6
    state["unit-dim-odd-stride"] = base[1:2].t()  # [6, 1] stride (1, 6): contiguous as torch sees it
    state["transposed"] = base.t()  # [6, 4] stride (1, 6)
    state["every-other-column"] = base[:, 1::2]  # stride (6, 2)
    state["block"] = base[1:3, 2:5]  # offset 8, stride (6, 1)
    state["column"] = base[:, 2:3]  # [4, 1] stride (6, 1)
    state["expanded"] = torch.tensor([1.5, -2.0, 4.0]).expand(2, 3)  # stride (0, 1)
    state["shared-a"] = shared[:4]  # two views of one storage
    state["shared-b"] = shared[4:]
    state["scalar-f64"] = torch.tensor(3.25, dtype=torch.float64)
    state["empty"] = torch.zeros(0, 3)
    state["half"] = torch.tensor([[0.5, -1.0], [65504.0, 2.0**-24]], dtype=torch.float16)
    state["bfloat16"] = torch.tensor([1.0, -2.5, 3.0e38, 0.0078125], dtype=torch.bfloat16)
    state["int64"] = torch.tensor([-(2**63), 2**63 - 1, 2**53 + 1], dtype=torch.int64)
    state["int16"] = torch.tensor([-32768, 32767, 1], dtype=torch.int16)
    state["int8"] = torch.tensor([-128, 127], dtype=torch.int8)
    state["uint8"] = torch.tensor([0, 255, 7], dtype=torch.uint8)
    state["bool"] = torch.tensor([True, False, True])
    return state


DTYPE_NAMES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64",
    torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL",
}


def views_fixtures():
    folder = OUT / "views"
    folder.mkdir(parents=True, exist_ok=True)
    state = views_state()
    torch.save(state, folder / "views.bin")
    repack(folder / "views.bin", folder / "views-deflated.bin", deflate=("*",))
    repack(folder / "views.bin", folder / "views-byteorder-little.bin", extra={"byteorder": b"little"})
    manifest = {}
    for name, t in state.items():
        manifest[name] = {
            "dtype": DTYPE_NAMES[t.dtype],
            "shape": list(t.shape),
            "contiguous": t.is_contiguous(),
            "storageOffset": t.storage_offset(),
            "hex": tensor_bytes(t).hex(),
        }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


def pickle_values():
    """Python's own pickles of the plain values a state_dict pickle can hold, at every protocol denoise reads."""
    shared = [1, 2]
    value = collections.OrderedDict()
    value["ints"] = (0, 1, 255, 256, 65535, 65536, -1, -(2**31), 2**31 - 1, 2**31, 2**53, -(2**63), 2**64 + 5)
    value["floats"] = (0.5, -2.25, 1e300, float("inf"))
    value["text"] = ("", "weight", "Größe ✓", "x" * 300)
    value["bytes"] = b"\x00\x01\xffpk"
    value["constants"] = (None, True, False)
    value["tuples"] = ((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4))
    value["long-list"] = list(range(1500))  # more than one batch of APPENDS (1000)
    value["shared"] = (shared, shared)  # one object twice: memo PUT/GET
    value["nested"] = {"a": {"b": [{}]}}
    value["set"] = {3}
    strings = [f"s{i}" for i in range(300)]
    value["many-strings"] = strings  # memo indices past 255: LONG_BINPUT
    value["late-reference"] = (strings[299],)  # LONG_BINGET
    folder = OUT / "pickles"
    folder.mkdir(parents=True, exist_ok=True)
    for protocol in (2, 3, 4, 5):
        (folder / f"values-protocol-{protocol}.pkl").write_bytes(pickle.dumps(value, protocol=protocol))


def marker(case):
    return f"/tmp/denoise-torch-bin-pwned-{case}"


def raw_global_reduce(module, name, argument):
    """{'weight': module.name(argument)} at protocol 2, written opcode by opcode."""
    arg = argument.encode()
    return (
        b"\x80\x02}(X\x06\x00\x00\x00weight"
        + b"c" + module.encode() + b"\n" + name.encode() + b"\n"
        + b"X" + struct.pack("<I", len(arg)) + arg
        + b"\x85Ru."
    )


class Reduces:
    """An object whose __reduce__ asks the loader to call `func(*args)`: the classic pickle exploit."""

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def code_fixtures():
    folder = OUT / "code"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {}

    def record(file, global_name, case):
        manifest[file] = {"global": global_name, "marker": marker(case)}

    pkl = raw_global_reduce("os", "system", f"touch {marker('os-system')}")
    write_torch_zip(folder / "os-system.bin", {"data.pkl": pkl, "version": b"3\n"})
    record("os-system.bin", "os.system", "os-system")

    pkl = raw_global_reduce("builtins", "eval", f"__import__('os').system('touch {marker('builtins-eval')}')")
    write_torch_zip(folder / "builtins-eval.bin", {"data.pkl": pkl, "version": b"3\n"})
    record("builtins-eval.bin", "builtins.eval", "builtins-eval")

    # torch.save of a state_dict holding an object with a malicious __reduce__: os.system pickles as posix.system.
    evil = collections.OrderedDict(weight=torch.zeros(2), evil=Reduces(os.system, (f"touch {marker('posix-system')}",)))
    torch.save(evil, folder / "posix-system.bin")
    record("posix-system.bin", "posix.system", "posix-system")

    # Protocol 2 maps builtins to Python 2's __builtin__.
    evil = collections.OrderedDict(weight=torch.zeros(2), evil=Reduces(exec, (f"import os; os.system('touch {marker('builtin-exec')}')",)))
    torch.save(evil, folder / "builtin-exec.bin")
    record("builtin-exec.bin", "__builtin__.exec", "builtin-exec")

    # Protocol 4: FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL.
    evil = collections.OrderedDict(evil=Reduces(subprocess.Popen, (["touch", marker("subprocess-popen")],)))
    pkl = crafted_pickle(evil, protocol=4)
    write_torch_zip(folder / "subprocess-popen.bin", {"data.pkl": pkl, "version": b"3\n"})
    record("subprocess-popen.bin", "subprocess.Popen", "subprocess-popen")

    # INST: a protocol 0 opcode that imports and calls in one go.
    cmd = f"touch {marker('inst-os-system')}".encode()
    pkl = b"\x80\x02(X" + struct.pack("<I", len(cmd)) + cmd + b"ios\nsystem\n."
    write_torch_zip(folder / "inst-os-system.bin", {"data.pkl": pkl, "version": b"3\n"})
    record("inst-os-system.bin", "os.system", "inst-os-system")

    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


def bad_fixtures():
    folder = OUT / "bad"
    folder.mkdir(parents=True, exist_ok=True)
    views = (OUT / "views" / "views.bin").read_bytes()
    (folder / "truncated.bin").write_bytes(views[: len(views) * 2 // 3])
    (folder / "truncated-end.bin").write_bytes(views[:-10])
    torch.save(collections.OrderedDict(weight=torch.ones(3)), folder / "legacy.bin", _use_new_zipfile_serialization=False)
    (folder / "not-a-zip.bin").write_bytes(
        b"version https://git-lfs.github.com/spec/v1\noid sha256:0000000000000000000000000000000000000000000000000000000000000000\nsize 1234\n"
    )
    repack(OUT / "views" / "views.bin", folder / "byteorder-big.bin", extra={"byteorder": b"big"})
    torch.save(collections.OrderedDict(weight=torch.ones(2, dtype=torch.complex64)), folder / "complex-storage.bin")

    f32 = torch.arange(12, dtype=torch.float32).numpy().tobytes()
    storage = FakeStorage(torch.FloatStorage, "0", 12)
    write_crafted(folder / "missing-storage.bin", {"weight": FakeTensor(FakeStorage(torch.FloatStorage, "7", 12), 0, [12], [1])}, {"0": f32})
    write_crafted(folder / "storage-size-mismatch.bin", {"weight": FakeTensor(FakeStorage(torch.FloatStorage, "0", 16), 0, [16], [1])}, {"0": f32})
    write_crafted(folder / "view-outside-storage.bin", {"weight": FakeTensor(storage, 4, [3, 3], [3, 1])}, {"0": f32})
    write_crafted(folder / "negative-size.bin", {"weight": FakeTensor(storage, 0, [-1, 3], [3, 1])}, {"0": f32})
    write_crafted(folder / "huge-expand.bin", {"weight": FakeTensor(FakeStorage(torch.FloatStorage, "0", 1), 0, [2**20, 2**20], [0, 0])}, {"0": f32[:4]})
    write_crafted(folder / "top-level-list.bin", [FakeTensor(storage, 0, [12], [1])], {"0": f32})
    write_crafted(folder / "nested-checkpoint.bin", {"state_dict": {"weight": FakeTensor(storage, 0, [12], [1])}, "epoch": 3}, {"0": f32})
    write_crafted(folder / "non-string-key.bin", {7: FakeTensor(storage, 0, [12], [1])}, {"0": f32})


if __name__ == "__main__":
    unet_fixtures()
    views_fixtures()
    pickle_values()
    code_fixtures()
    bad_fixtures()
