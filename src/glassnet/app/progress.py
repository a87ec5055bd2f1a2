"""A progress bar per epoch on a terminal (tqdm when installed), a widget bar in a Jupyter
notebook (tqdm.auto), plain lines otherwise."""

from __future__ import annotations

import sys
import time


def _in_notebook() -> bool:
    from ..viz._display import in_notebook  # no matplotlib: it only asks IPython

    return in_notebook()


class EpochProgress:
    """``update(step, loss)`` after each batch; ``close()`` at the end of the epoch."""

    def __init__(self, epoch: int, epochs: int, steps: int, stream=None) -> None:
        self.stream = stream or sys.stdout
        self.label, self.steps = f"epoch {epoch}/{epochs}", steps
        self.terminal = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.bar = None
        # a notebook's stdout is no terminal, but tqdm.auto draws a widget bar there
        notebook = not self.terminal and self.stream is sys.stdout and _in_notebook()
        if self.terminal or notebook:
            try:
                from tqdm.auto import tqdm

                self.bar = tqdm(total=steps, desc=self.label, leave=notebook, file=self.stream,
                                dynamic_ncols=True)
            except ImportError:
                self.bar = None
        self.next_quarter = 1
        self.last_draw = 0.0

    def update(self, step: int, loss: float) -> None:
        if self.bar is not None:
            self.bar.update(1)
            if step % 20 == 0:
                self.bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
        elif self.terminal:
            now = time.perf_counter()
            if now - self.last_draw > 0.1 or step == self.steps:
                done = int(30 * step / self.steps)
                self.stream.write(f"\r{self.label} [{'#' * done}{'.' * (30 - done)}] "
                                  f"{step}/{self.steps} loss {loss:.4f}")
                self.stream.flush()
                self.last_draw = now
        elif step >= self.next_quarter * self.steps / 4:
            self.stream.write(f"{self.label}: {step}/{self.steps} batches, loss {loss:.4f}\n")
            self.stream.flush()
            self.next_quarter += 1

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.terminal:
            self.stream.write("\r" + " " * 80 + "\r")
            self.stream.flush()
