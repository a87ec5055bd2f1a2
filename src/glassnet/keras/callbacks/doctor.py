"""``Doctor``: glassnet.doctor's checks as a Keras callback."""

from __future__ import annotations

from .callback import Callback


class Doctor(Callback):
    """glassnet.doctor for Keras models: before training, checks the first batch for the
    common mistakes (inputs not scaled, labels that do not fit the output units, a softmax
    output with from_logits=True, ...); after the first epoch, prints the gradient report.
    Findings are printed, one line each."""

    def __init__(self, x=None, y=None, verbose: int = 1) -> None:
        super().__init__()
        self.x, self.y, self.verbose = x, y, verbose
        self.findings: list[str] = []

    def on_train_begin(self, logs=None):
        from ...doctor.keras_checks import keras_findings

        if self.x is None:
            return
        self.findings = keras_findings(self.model, self.x, self.y)
        for finding in self.findings:
            self._say(f"doctor: {finding}")
        if not self.findings:
            self._say("doctor: no problems found in the first batch")

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0 and self.verbose > 1:
            from ...doctor import gradient_report

            self._say(str(gradient_report(self.model)))

    def _say(self, text: str) -> None:
        if self.verbose:
            print(text)
