"""Under mpiexec -n 2: one Allreduce per backward, no_sync accumulation, buffer broadcast."""

import numpy as np

import glassnet as torch
import glassnet.distributed as dist
from glassnet import nn
from glassnet.distributed import process_group
from glassnet.nn.parallel import DistributedDataParallel

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()


class Counting:
    """The communicator, counting the collective calls made through it."""

    def __init__(self, comm):
        self.comm, self.calls = comm, []

    def __getattr__(self, name):
        attribute = getattr(self.comm, name)
        if name[0].isupper() and name not in ("Get_rank", "Get_size"):
            self.calls.append(name)
        return attribute


torch.manual_seed(rank)  # different on each rank: DDP must broadcast
net = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2)).double()
net[1].running_mean.data[...] = rank + 1.0  # buffers differ too
ddp = DistributedDataParallel(net, broadcast_buffers=False)
assert np.all(net[1].running_mean.numpy() == 1.0), "rank 0's buffers were not broadcast"

reference = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2)).double()
reference.load_state_dict(ddp.module.state_dict())
data = np.random.default_rng(1)
A, B = torch.tensor(data.normal(size=(8, 4))), torch.tensor(data.normal(size=(8, 4)))

# one synchronised backward = exactly one collective call (one flat buffer, one dtype)
counting = Counting(process_group._State.comm)
process_group._State.comm = counting
ddp(A[rank::world]).pow(2).mean().backward()
process_group._State.comm = counting.comm
assert counting.calls == ["Allreduce"], counting.calls
ddp.zero_grad()

# no_sync: gradients stay local, the next synced backward averages the accumulated sum
with ddp.no_sync():
    ddp(A[rank::world]).pow(2).mean().backward()
local = [p.grad.numpy().copy() for p in ddp.parameters()]
gathered = [torch.empty_like(torch.tensor(local[0])) for _ in range(world)]
dist.all_gather(gathered, torch.tensor(local[0]))
assert not np.allclose(gathered[0].numpy(), gathered[1].numpy()), "no_sync still averaged"
ddp(B[rank::world]).pow(2).mean().backward()

# the reference: mean over each rank's half, averaged over ranks, for A then B
for part in range(world):
    (reference(A[part::world]).pow(2).mean() / world).backward()
    (reference(B[part::world]).pow(2).mean() / world).backward()
for (name, p), q in zip(ddp.module.named_parameters(), reference.parameters()):
    gap = np.abs(p.grad.numpy() - q.grad.numpy()).max()
    assert gap < 1e-12, f"rank {rank}: {name} grad differs by {gap}"

# broadcast_buffers=True copies rank 0's running stats before every training forward
ddp2 = DistributedDataParallel(net)
net[1].running_var.data[...] = 5.0 + rank
seen = []
net.register_forward_pre_hook(lambda m, args: seen.append(m[1].running_var.numpy().copy()))
ddp2(A[rank::world])
assert np.all(seen[0] == 5.0), f"rank {rank}: forward saw running_var {seen[0]}, not rank 0's"
print(f"rank {rank}: one Allreduce per backward, no_sync accumulates, buffers broadcast")
dist.destroy_process_group()
