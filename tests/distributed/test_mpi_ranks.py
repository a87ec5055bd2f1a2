"""The multi-process checks: each runs a script under ``mpiexec -n 2`` (see scripts/)."""

from ._mpi import run_ranks


def test_ddp_two_ranks_equal_single_process_sgd_momentum_to_1e_9():
    out = run_ranks("ddp_equivalence.py")
    assert out.count("ranks identical") == 2


def test_ddp_one_allreduce_per_backward_no_sync_and_buffer_broadcast():
    out = run_ranks("ddp_behaviour.py")
    assert out.count("one Allreduce per backward") == 2


def test_collectives_every_op_and_dtype_and_sampler_split_on_two_ranks():
    out = run_ranks("collectives.py")
    assert out.count("collectives and sampler ok") == 2
