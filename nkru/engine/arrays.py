"""numpy, imported only after telling its BLAS not to start a pool of threads: nkru's sampling is
elementwise and uses none of them, so they would only cost start-up and CPU. Every module that
needs numpy imports it from here; a user's own setting of these variables wins."""

import os

for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

import numpy as np  # noqa: E402 - after the settings above, which numpy reads when it is imported

__all__ = ["np"]
