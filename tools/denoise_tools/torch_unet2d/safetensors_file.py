"""Read and write the safetensors format without the safetensors package (not installable here).

Layout (https://github.com/huggingface/safetensors, "Format"): an 8-byte little-endian u64 N, then N bytes
of UTF-8 JSON mapping each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative
to the end of the header) plus an optional "__metadata__" object of strings, then the raw little-endian data.

The header is validated before any data is touched, as the reference Rust crate does: size limit, known
dtypes, every offset in range, byte length = product of shape x dtype size, and the tensors contiguous and
non-overlapping, covering the whole data section.
"""
import json
import math
import struct

import numpy as np
import torch

# The reference crate's limit on the header size.
MAX_HEADER_BYTES = 100_000_000

# Only what diffusers' UNet2DModel folders are written in; F16 is widened to float32 on load.
_NUMPY_DTYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2")}


class SafetensorsError(ValueError):
    pass


def _parse_header(path: str, blob: bytes) -> dict[str, dict]:
    if len(blob) < 8:
        raise SafetensorsError(f"{path}: {len(blob)} bytes, shorter than the 8-byte header length")
    (header_len,) = struct.unpack("<Q", blob[:8])
    if header_len > MAX_HEADER_BYTES:
        raise SafetensorsError(f"{path}: header length {header_len} exceeds {MAX_HEADER_BYTES}")
    if 8 + header_len > len(blob):
        raise SafetensorsError(f"{path}: header length {header_len} runs past the end of the file ({len(blob)} bytes)")
    try:
        header = json.loads(blob[8 : 8 + header_len].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SafetensorsError(f"{path}: header is not UTF-8 JSON") from err
    if not isinstance(header, dict):
        raise SafetensorsError(f"{path}: header is {type(header).__name__}, expected a JSON object")
    data_len = len(blob) - 8 - header_len

    entries: dict[str, dict] = {}
    for name, info in header.items():
        if name == "__metadata__":
            if not isinstance(info, dict) or not all(isinstance(v, str) for v in info.values()):
                raise SafetensorsError(f"{path}: __metadata__ must map strings to strings")
            continue
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise SafetensorsError(f"{path}: tensor {name!r}: expected exactly dtype, shape, data_offsets")
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in _NUMPY_DTYPES:
            raise SafetensorsError(f"{path}: tensor {name!r}: dtype {dtype!r} unsupported (allowed: F32, F16)")
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise SafetensorsError(f"{path}: tensor {name!r}: shape {shape!r} is not a list of non-negative ints")
        if (
            not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(isinstance(o, int) for o in offsets)
            or not 0 <= offsets[0] <= offsets[1] <= data_len
        ):
            raise SafetensorsError(f"{path}: tensor {name!r}: data_offsets {offsets!r} outside [0, {data_len}]")
        expected = math.prod(shape) * _NUMPY_DTYPES[dtype].itemsize
        if offsets[1] - offsets[0] != expected:
            raise SafetensorsError(
                f"{path}: tensor {name!r}: {offsets[1] - offsets[0]} bytes for {dtype} {shape} (expected {expected})"
            )
        entries[name] = info

    cursor = 0
    for name, info in sorted(entries.items(), key=lambda kv: tuple(kv[1]["data_offsets"])):
        begin, end = info["data_offsets"]
        if begin != cursor:
            raise SafetensorsError(f"{path}: tensor {name!r} starts at {begin}, expected {cursor} (gap or overlap)")
        cursor = end
    if cursor != data_len:
        raise SafetensorsError(f"{path}: tensors cover {cursor} of {data_len} data bytes")
    return entries


def read_safetensors(path: str) -> dict[str, torch.Tensor]:
    """All tensors of a safetensors file as float32 torch tensors (F16 widened exactly).

    F32 tensors are views of the one buffer the file is read into (a bytearray, so they are writable): a
    3.4 GB SD 1.5 UNet costs 3.4 GB here, not twice that."""
    with open(path, "rb") as f:
        blob = bytearray(f.read())
    entries = _parse_header(path, blob)
    (header_len,) = struct.unpack("<Q", blob[:8])
    data_start = 8 + header_len
    tensors = {}
    for name, info in entries.items():
        begin, end = info["data_offsets"]
        array = np.frombuffer(blob, dtype=_NUMPY_DTYPES[info["dtype"]], count=math.prod(info["shape"]),
                              offset=data_start + begin)
        if array.dtype != np.float32 or not array.flags.aligned:  # headers are padded to 8 bytes, but not always
            array = array.astype(np.float32)
        tensors[name] = torch.from_numpy(array.reshape(info["shape"]))
    return tensors


def write_safetensors(path: str, tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> None:
    """Write float32 tensors as F32, keys sorted, data in key order (what safetensors' save_file does).

    The header is computed from the shapes, then each tensor is written in turn, so no second copy of the
    weights is held."""
    header: dict[str, object] = {}
    if metadata is not None:
        header["__metadata__"] = dict(metadata)
    names = sorted(tensors)
    offset = 0
    for name in names:
        shape = list(tensors[name].shape)
        nbytes = math.prod(shape) * 4
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    # The format pads the header with spaces to a multiple of 8 bytes so the data is aligned.
    header_bytes += b" " * (-len(header_bytes) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for name in names:
            array = tensors[name].detach().to(torch.float32).contiguous().numpy().astype("<f4", copy=False)
            f.write(array.tobytes(order="C"))
