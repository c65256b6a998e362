#!/usr/bin/python3
"""Reference draws of numpy's legacy RandomState for @denoise/schedule's NumpyRandomState (numpy 1.24.2 when committed):

    PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.make_numpy_random_fixtures.make

Writes fixtures/parity/numpy-random-state.json: for a few seeds, the first raw 32-bit outputs
(randint(0, 2**32) draws them one each), random_sample values (repr, round-trip exact), and
choice(n, m, replace=False) draws, the way torch-fidelity's KID draws subsets.
"""
import json

import numpy as np

from denoise_tools.repo import REPO_ROOT

OUT = REPO_ROOT / "fixtures" / "parity" / "numpy-random-state.json"


def main():
    cases = []
    for seed in (0, 2020, 20241129, 4294967295):
        rs = np.random.RandomState(seed)
        uint32 = [int(v) for v in rs.randint(0, 2**32, size=700, dtype=np.uint64)]
        rs = np.random.RandomState(seed)
        samples = [repr(float(v)) for v in rs.random_sample(700)]
        rs = np.random.RandomState(seed)
        choices = []
        for n, m in ((1, 1), (7, 3), (50, 50), (1000, 20), (3000, 20), (70000, 5)):
            choices.append({"n": n, "m": m, "draw": [int(v) for v in rs.choice(n, m, replace=False)]})
        cases.append({"seed": seed, "uint32": uint32, "randomSample": samples, "choice": choices})
    OUT.write_text(json.dumps({"numpy": np.__version__, "cases": cases}) + "\n")
    print(OUT)


if __name__ == "__main__":
    main()
