#!/usr/bin/python3
"""Times pytorch-fid's FID Inception forward on request, for an interleaved A/B bench driven from Node:

    PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.torch_fid_inception.worker WEIGHTS [--threads 2]

Reads one command per line on stdin and answers one JSON line on stdout:
  {"cmd": "features", "input": IN.npy, "output": OUT.npy}  features of a float32 [N, 3, 299, 299] .npy → float32 .npy
  {"cmd": "time", "batch": N}   one forward of a fixed batch of N (made once per N), answers {"ms": …}
  {"cmd": "quit"}
The first line written is {"ready": true, "torch": version, "threads": n}.
"""
import argparse
import json
import sys
import time

import numpy as np
import torch

from denoise_tools.torch_fid_inception.model import FidInceptionPool3, read_state_dict


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("weights")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = FidInceptionPool3(read_state_dict(args.weights))
    batches = {}
    answer = lambda obj: print(json.dumps(obj), flush=True)  # noqa: E731
    answer({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()})
    for line in sys.stdin:
        req = json.loads(line)
        with torch.no_grad():
            if req["cmd"] == "quit":
                break
            if req["cmd"] == "features":
                x = torch.from_numpy(np.load(req["input"]))
                np.save(req["output"], model(x).numpy().astype("<f4"))
                answer({"ok": True})
            elif req["cmd"] == "time":
                n = req["batch"]
                if n not in batches:
                    batches[n] = torch.from_numpy(np.sin(np.arange(n * 3 * 299 * 299) * 0.37).astype(np.float32).reshape(n, 3, 299, 299))
                t0 = time.perf_counter()
                model(batches[n])
                answer({"ms": (time.perf_counter() - t0) * 1000})
            else:
                answer({"error": f"unknown command {req['cmd']!r}"})


if __name__ == "__main__":
    main()
