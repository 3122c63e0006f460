"""The command line the perception trainers share: --family, --out, --config and overrides."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

CONFIG_DIR = Path(__file__).parent / "configs"


def load_config(family: str, kind: str, path: str | None = None, **overrides) -> dict:
    """configs/FAMILY_KIND.json (or `path`), with the overrides that are not None."""
    cfg = json.loads(Path(path or CONFIG_DIR / f"{family}_{kind}.json").read_text())
    cfg.update({k: v for k, v in overrides.items() if v is not None})
    return cfg


def main(kind: str, train, description: str, argv=None) -> None:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--family", required=True)
    ap.add_argument("--out", required=True, help="folder for logs, checkpoints and the final model")
    ap.add_argument("--config", help=f"a JSON config (default: imagery_agent/training/configs/FAMILY_{kind}.json)")
    ap.add_argument("--max-steps", type=int, dest="max_steps")
    ap.add_argument("--batch-size", type=int, dest="batch_size")
    ap.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = load_config(args.family, kind, args.config, max_steps=args.max_steps, batch_size=args.batch_size)
    print(f"saved {kind} to {train(cfg, Path(args.out))}")
