"""glassnet.doctor: why won't my network learn? Diagnoses in plain words.

- ``gradient_report(model, optimizer=None)``: gradient norms per parameter and layer, flags
- ``activation_report(model, x)``: dead ReLUs, saturated sigmoid/tanh, activation statistics
- ``check(model, loss_fn, batch, optimizer=None)``: the common mistakes, as findings
- ``explain_step(optimizer, model=None)``: what the last optimizer step did, in the lesson's
  symbols
- advisories while training (``GlassnetWarning``): silence with ``quiet()``; declare gradient
  accumulation with ``expect_accumulation(optimizer)``
- ``detect_anomaly()``: stop at the first op that makes a NaN or inf
"""

from ..advice import quiet
from ..autograd.anomaly import detect_anomaly
from ..errors import GlassnetWarning
from .check import Finding, check
from .explain import explain_step, last_update
from .reports import activation_report, gradient_report


def expect_accumulation(optimizer, expected: bool = True):
    """Say that summing gradients over several backward passes before a step is intended
    (gradient accumulation), so ``step()`` does not warn about it."""
    optimizer.expects_accumulation = expected
    return optimizer


__all__ = ["Finding", "GlassnetWarning", "activation_report", "check", "detect_anomaly",
           "expect_accumulation", "explain_step", "gradient_report", "last_update", "quiet"]
