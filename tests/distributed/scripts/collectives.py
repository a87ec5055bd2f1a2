"""Under mpiexec -n 2: every collective, op and dtype, and DistributedSampler with a DataLoader."""

import numpy as np

import glassnet as torch
import glassnet.distributed as dist
from glassnet.utils.data import DataLoader, TensorDataset
from glassnet.utils.data.distributed import DistributedSampler

dist.init_process_group(backend="mpi")
assert dist.is_initialized() and dist.get_backend() == "mpi"
rank, world = dist.get_rank(), dist.get_world_size()
assert world == 2

ops = {dist.ReduceOp.SUM: np.sum, dist.ReduceOp.PRODUCT: np.prod,
       dist.ReduceOp.MIN: np.min, dist.ReduceOp.MAX: np.max}
for dtype in (torch.float32, torch.float64, torch.int64):
    values = [torch.tensor([[1, -2, 3], [4, 5, -6]], dtype=dtype) * (r + 2) for r in range(world)]
    for op, reduce_numpy in ops.items():
        t = values[rank].clone()
        array_before = t.numpy()
        dist.all_reduce(t, op=op)
        expected = reduce_numpy(np.stack([v.numpy() for v in values]), axis=0)
        assert t.dtype == dtype and np.array_equal(t.numpy(), expected), (dtype, op, t)
        assert t.numpy() is array_before, "all_reduce did not work in place"

        t = values[rank].clone()
        dist.reduce(t, dst=1, op=op)
        wanted = expected if rank == 1 else values[rank].numpy()
        assert np.array_equal(t.numpy(), wanted), ("reduce", dtype, op, t)

    t = values[rank].clone()
    dist.broadcast(t, src=1)
    assert np.array_equal(t.numpy(), values[1].numpy()), ("broadcast", dtype)

    out = [torch.zeros(2, 3, dtype=dtype) for _ in range(world)]
    dist.all_gather(out, values[rank])
    for r in range(world):
        assert np.array_equal(out[r].numpy(), values[r].numpy()), ("all_gather", dtype, r)

# a strided view is reduced through a copy and written back into the view
base = torch.arange(12, dtype=torch.float64).reshape(3, 4)
column = base[:, 1]
dist.all_reduce(column)
assert np.array_equal(base.numpy()[:, 1], 2 * np.array([1.0, 5.0, 9.0])), base
assert np.array_equal(base.numpy()[:, 0], [0.0, 4.0, 8.0])
assert dist.all_reduce(torch.ones(2), async_op=True).wait()
dist.barrier()

# DistributedSampler takes world size and rank from the group; the ranks split the data
data = TensorDataset(torch.arange(11))
sampler = DistributedSampler(data, shuffle=True, seed=3)
assert (sampler.num_replicas, sampler.rank, len(sampler)) == (2, rank, 6)
for epoch in range(2):
    sampler.set_epoch(epoch)
    seen = torch.cat([batch for (batch,) in DataLoader(data, batch_size=4, sampler=sampler)])
    everyone = [torch.zeros(6, dtype=torch.int64) for _ in range(world)]
    dist.all_gather(everyone, seen)
    union = np.concatenate([t.numpy() for t in everyone])
    assert sorted(set(union.tolist())) == list(range(11)), union  # everything, one repeat
print(f"rank {rank}: collectives and sampler ok")
dist.destroy_process_group()
assert not dist.is_initialized()
