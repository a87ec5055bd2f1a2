"""Keras callbacks: objects whose hooks ``fit``, ``evaluate`` and ``predict`` call at the start
and end of training, epochs and batches. Any of them may set ``self.model.stop_training``.

- ``callback.py``: Callback, CallbackList, History, LambdaCallback
- ``monitor.py``: MonitorCallback (what "improved" means), EarlyStopping
- ``learning_rate.py``: LearningRateScheduler, ReduceLROnPlateau
- ``checkpoint.py``: ModelCheckpoint, BackupAndRestore (atomic saves)
- ``loggers.py``: CSVLogger, ProgbarLogger, TerminateOnNaN
- ``tensorboard.py``: TensorBoard (event files through tensorboardX)
- ``doctor.py``: Doctor (glassnet.doctor's checks during fit)
- ``..live_curves``: LiveCurves (live training curves, see glassnet.viz.live)
"""

from .callback import Callback, CallbackList, History, LambdaCallback
from .checkpoint import BackupAndRestore, ModelCheckpoint
from .doctor import Doctor
from .learning_rate import LearningRateScheduler, ReduceLROnPlateau
from .loggers import CSVLogger, ProgbarLogger, TerminateOnNaN
from .monitor import EarlyStopping, MonitorCallback
from .tensorboard import TensorBoard

__all__ = ["BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "Doctor",
           "EarlyStopping", "History", "LambdaCallback", "LearningRateScheduler",
           "ModelCheckpoint", "MonitorCallback", "ProgbarLogger", "ReduceLROnPlateau",
           "TensorBoard", "TerminateOnNaN"]

# last: live_curves imports Callback from this package
from ..live_curves import LiveCurves  # noqa: E402

__all__ += ["LiveCurves"]
