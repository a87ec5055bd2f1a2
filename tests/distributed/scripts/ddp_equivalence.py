"""Under mpiexec -n 2: DDP with SGD+momentum equals one process over the same global batches."""

import numpy as np

import glassnet as torch
import glassnet.distributed as dist
from glassnet import nn
from glassnet.nn.parallel import DistributedDataParallel

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
assert world == 2, world


def make_model(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 3)).double()


def flat(model):
    return np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])


data = np.random.default_rng(0)
X = torch.tensor(data.normal(size=(96, 5)))
Y = torch.tensor(data.normal(size=(96, 3)))
loss_fn = nn.MSELoss()

reference = make_model(0)  # every rank runs the single-process reference too
ddp = DistributedDataParallel(make_model(0 if rank == 0 else 7))  # rank 1 starts elsewhere
assert np.array_equal(flat(ddp.module), flat(reference)), "construction did not broadcast rank 0"

ref_opt = torch.optim.SGD(reference.parameters(), lr=0.05, momentum=0.9)
opt = torch.optim.SGD(ddp.parameters(), lr=0.05, momentum=0.9)
global_batch, epochs = 16, 4
for epoch in range(epochs):
    order = np.random.default_rng(epoch).permutation(len(X))
    for start in range(0, len(X), global_batch):
        batch = torch.tensor(order[start:start + global_batch])
        ref_opt.zero_grad()
        loss_fn(reference(X[batch]), Y[batch]).backward()
        ref_opt.step()
        half = batch[rank::world]  # this rank's half of the global batch
        opt.zero_grad()
        loss_fn(ddp(X[half]), Y[half]).backward()
        opt.step()

mine = flat(ddp.module)
gap = np.abs(mine - flat(reference)).max()
assert gap < 1e-9, f"rank {rank}: DDP differs from the single-process run by {gap}"
everyone = [torch.empty_like(torch.tensor(mine)) for _ in range(world)]
dist.all_gather(everyone, torch.tensor(mine))
assert all(np.array_equal(t.numpy(), mine) for t in everyone), "ranks hold different weights"
print(f"rank {rank}: {epochs} epochs, max gap to single process {gap:.2e}, ranks identical")
dist.destroy_process_group()
