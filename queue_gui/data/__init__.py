"""Qt-free logic over bluesky documents: what the window shows of the data.

Progress of the running plan (:mod:`~queue_gui.data.progress`), and what the
window plots and tabulates.

The documents of running plans arrive on the GUI thread in bursts (see
:class:`queue_gui.qt.bridge.ManagerBridge`). :class:`~queue_gui.data.runs.LiveData`
routes them to runs and appends their readings to growable numpy columns;
:class:`~queue_gui.data.builder.PlotBuilder` decides from the hints what to
plot and describes it with bluesky-widgets' Qt-free plot models
(``Figure``, ``Axes``, ``Line``, ``Image``); :mod:`~queue_gui.data.peaks`
computes peak statistics and a Gaussian fit on demand. A Qt painter
(:mod:`queue_gui.qt.plots`) draws the models.

No Qt and no bluesky here (a test keeps it so): the GUI process must not
pay for bluesky, dask or matplotlib, and the model must be testable alone.
"""
