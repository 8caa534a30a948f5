"""Live plots painted with pyqtgraph from the Qt-free model in :mod:`queue_gui.data`.

Why pyqtgraph and not bluesky-widgets' ``QtFigures``: that view recomputes
the whole stream on every event (through bluesky-live and dask) and drags
matplotlib, dask, xarray and pandas into the GUI process; see
``docs/data_plots.md`` for the measurements.
"""

import pyqtgraph as pg

# Dark on white, as scientists print them; set once, before any plot exists.
pg.setConfigOptions(background="w", foreground="k", antialias=True)
