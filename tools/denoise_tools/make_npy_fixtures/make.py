#!/usr/bin/python3
"""Reference files for @denoise/image, written by numpy and Pillow rather than by denoise.

Run with Debian's python3-numpy and python3-pil (numpy 1.24.2, Pillow 9.4.0 when committed):

    PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.make_npy_fixtures.make

Writes, deterministically:
  fixtures/npy/*.npy            good files (float32, float64, int32, int64, 0-d, 1-d, empty, v2 and v3
                                headers) and bad ones (Fortran order, big-endian, float16, truncated)
  fixtures/npy/manifest.json    for each good file: dtype, shape and values (int64 as decimal strings;
                                floats as Python's shortest round-trip repr, exact for float32 too)
  fixtures/npy/to-pixels-*.npy  float32 inputs and the uint8 pixels (stored as int32) that diffusers'
                                postprocessing gives for them:
                                ((x / 2 + 0.5).clip(0, 1) * 255).round(), all in float32
  fixtures/images/*.png         PNGs written by Pillow (grayscale with tEXt/zTXt/iTXt, RGB, palette,
                                16-bit, opaque and transparent RGBA) and *.pixels.npy: their pixels,
                                HWC int32, as Pillow decodes them
"""
import json

import numpy as np
from PIL import Image, PngImagePlugin

from denoise_tools.repo import REPO_ROOT

NPY = REPO_ROOT / "fixtures" / "npy"
IMAGES = REPO_ROOT / "fixtures" / "images"


def values(a):
    flat = a.ravel(order="C").tolist()
    return [str(v) for v in flat] if a.dtype.kind == "i" and a.dtype.itemsize == 8 else flat


def npy_fixtures():
    NPY.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20240611)
    good = {
        "float32": rng.standard_normal((2, 3, 4)).astype("<f4"),
        "float64": np.array([[0.0, -0.0, 1e300, -1e-300, np.pi], [1 / 3, 2.5, -7.0, 1e-5, 123456.789]], dtype="<f8"),
        "int32": np.array([[-(2**31), 2**31 - 1, 0], [1, -1, 42], [7, 8, 9], [10, 11, 12]], dtype="<i4"),
        "int64": np.array([[[-(2**63), 2**63 - 1], [2**53 + 1, -(2**53) - 1]], [[0, 1], [-1, 1234567890123]]], dtype="<i8"),
        "scalar-float64": np.array(3.25, dtype="<f8"),
        "vector-int32": np.arange(5, dtype="<i4") * -3,
        "empty-float32": np.zeros((0, 3), dtype="<f4"),
        "noise-1x1x8x8-float32": rng.standard_normal((1, 1, 8, 8)).astype("<f4"),
    }
    manifest = {}
    for name, a in good.items():
        np.save(NPY / f"{name}.npy", a)
        manifest[name] = {"dtype": str(a.dtype), "shape": list(a.shape), "values": values(a)}
    for version in ((2, 0), (3, 0)):
        name = f"float32-v{version[0]}"
        with open(NPY / f"{name}.npy", "wb") as f:
            np.lib.format.write_array(f, good["float32"], version=version)
        manifest[name] = manifest["float32"]
    (NPY / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")

    np.save(NPY / "bad-fortran-order.npy", np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
    np.save(NPY / "bad-big-endian.npy", np.arange(6, dtype=">f4").reshape(2, 3))
    np.save(NPY / "bad-float16.npy", np.arange(6, dtype="<f2").reshape(2, 3))
    full = (NPY / "float32.npy").read_bytes()
    (NPY / "bad-truncated.npy").write_bytes(full[:-7])

    # diffusers DDPMPipeline + numpy_to_pil, in float32 (numpy rounds half to even).
    x = np.concatenate([
        np.array([-1, 0, 1, -1.5, 1.5, -0.0, 1e-8, -1e-8, np.inf, -np.inf], dtype="<f4"),
        np.linspace(-1.1, 1.1, 4001, dtype="<f4"),
        ((np.arange(255, dtype="<f4") + np.float32(0.5)) / np.float32(255) - np.float32(0.5)) * np.float32(2),
    ]).astype("<f4")
    pixels = ((x / np.float32(2) + np.float32(0.5)).clip(0, 1) * np.float32(255)).round().astype(np.uint8)
    np.save(NPY / "to-pixels-input.npy", x)
    np.save(NPY / "to-pixels-expected.npy", pixels.astype("<i4"))


def png_fixtures():
    IMAGES.mkdir(parents=True, exist_ok=True)
    y, x = np.mgrid[0:32, 0:32]
    gray = ((x * 8 + y * 3) % 256).astype(np.uint8)
    rgb = np.stack([gray, (255 - gray), ((x * y) % 256).astype(np.uint8)], axis=-1)

    info = PngImagePlugin.PngInfo()
    info.add_text("denoise:sampler", "ddim")
    info.add_text("Comment", "compressed " * 20, zip=True)  # zTXt
    info.add_itxt("Title", "Größe ✓", lang="de", tkey="Titel")  # iTXt, uncompressed
    info.add_itxt("Description", "zipped iTXt " * 20, zip=True)  # iTXt, compressed
    cases = {
        "pillow-gray-text": (Image.fromarray(gray, "L"), info),
        "pillow-rgb": (Image.fromarray(rgb, "RGB"), None),
        "pillow-palette": (Image.fromarray(rgb, "RGB").quantize(16), None),
        "pillow-gray16": (Image.fromarray((gray.astype(np.int32) * 250 + 77), "I").convert("I;16"), None),
        "pillow-rgba-opaque": (Image.fromarray(np.dstack([rgb, np.full_like(gray, 255)]), "RGBA"), None),
        "pillow-rgba-transparent": (Image.fromarray(np.dstack([rgb, gray]), "RGBA"), None),
    }
    for name, (image, pnginfo) in cases.items():
        path = IMAGES / f"{name}.png"
        image.save(path, pnginfo=pnginfo) if pnginfo else image.save(path)
        decoded = Image.open(path)
        if decoded.mode in ("I;16", "I"):
            # 16-bit → 8-bit as pngjs does: floor(v * 255 / 65535 + 0.5).
            arr = np.floor(np.asarray(decoded).astype(np.float64) * 255 / 65535 + 0.5)
        elif decoded.mode == "P":
            arr = np.asarray(decoded.convert("RGB"))
        else:
            arr = np.asarray(decoded)
        np.save(IMAGES / f"{name}.pixels.npy", arr.astype("<i4"))


if __name__ == "__main__":
    npy_fixtures()
    png_fixtures()
