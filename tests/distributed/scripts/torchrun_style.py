"""A DDP script written for torchrun on CPUs, imports changed: it reads its place from the
environment before joining, passes PyTorch's CPU backend name, and prints one JSON line."""

import json
import os
import sys

import glassnet as torch
import glassnet.distributed as dist
from glassnet import nn
from glassnet.nn.parallel import DistributedDataParallel as DDP


def main():
    local_rank = int(os.environ["LOCAL_RANK"])
    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    torch.manual_seed(rank)
    model = DDP(nn.Linear(3, 1))
    model(torch.full((4, 3), float(rank + 1))).sum().backward()
    names = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK",
             "GROUP_WORLD_SIZE", "ROLE_RANK", "MASTER_ADDR", "MASTER_PORT", "OMP_NUM_THREADS",
             "TORCHELASTIC_RESTART_COUNT")
    print(json.dumps({"env": {name: os.environ.get(name) for name in names},
                      "local_rank": local_rank, "argv": sys.argv[1:],
                      "rank": dist.get_rank(), "backend": dist.get_backend(),
                      "bias_grad": model.module.bias.grad.tolist()}), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
