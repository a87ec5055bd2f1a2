"""``torch.utils.tensorboard.SummaryWriter`` for glassnet: curves, histograms, images and
embeddings in TensorBoard's event files, from training code written for PyTorch.

The files are written by tensorboardX (``pip install 'glassnet[tensorboard]'``), which has
PyTorch's writer API; this class passes every call through after turning glassnet tensors into
NumPy arrays (a 0-d tensor into a float), so ``writer.add_scalar("Loss/train", loss, epoch)``
and ``writer.add_histogram("fc1.weight", model.fc1.weight, epoch)`` run unchanged. Read them
with ``tensorboard --logdir runs``.

``add_graph`` traces a model with TorchScript in PyTorch, which glassnet does not have: it
raises one clear error that names glassnet's own picture of the graph,
``glassnet.viz.draw_model(model, input_shape)``.
"""

from __future__ import annotations

from ..tensor import Tensor

INSTALL_HINT = "pip install 'glassnet[tensorboard]' (or pip install tensorboardX)"


def _plain(value):
    """glassnet tensors (also inside lists, tuples and dicts) as NumPy arrays or floats."""
    if isinstance(value, Tensor):
        array = value.detach().numpy()
        return float(array) if array.ndim == 0 else array
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    return value


class SummaryWriter:
    """Writes TensorBoard event files under ``log_dir`` (default ``runs/<date>_<host><comment>``,
    as PyTorch's). Every ``add_*`` method of PyTorch's writer is here with its arguments."""

    def __init__(self, log_dir=None, comment: str = "", purge_step=None, max_queue: int = 10,
                 flush_secs: int = 120, filename_suffix: str = "") -> None:
        try:
            import tensorboardX
        except ImportError:
            raise ImportError(f"SummaryWriter writes its files with tensorboardX, which is not "
                              f"installed; install it with: {INSTALL_HINT}") from None
        self._writer = tensorboardX.SummaryWriter(
            logdir=None if log_dir is None else str(log_dir), comment=comment,
            purge_step=purge_step, max_queue=max_queue, flush_secs=flush_secs,
            filename_suffix=filename_suffix)

    @property
    def log_dir(self) -> str:
        return self._writer.logdir

    def get_logdir(self) -> str:
        return self._writer.logdir

    def add_graph(self, model, input_to_model=None, verbose: bool = False,
                  use_strict_trace: bool = True) -> None:
        raise NotImplementedError(
            "SummaryWriter.add_graph traces the model with TorchScript, which glassnet does not "
            "have; draw the graph with glassnet.viz.draw_model(model, input_shape) instead")

    def __getattr__(self, name: str):
        method = getattr(self._writer, name)
        if not callable(method):
            return method

        def passed_on(*args, **kwargs):
            return method(*(_plain(a) for a in args),
                          **{key: _plain(value) for key, value in kwargs.items()})

        passed_on.__name__ = name
        return passed_on

    def close(self) -> None:
        self._writer.close()

    def flush(self) -> None:
        self._writer.flush()

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = ["SummaryWriter"]

