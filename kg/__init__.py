"""airkg: Chinese air-quality action plans as a knowledge graph (README.md).

Importing it keeps numpy's BLAS to one thread (``OPENBLAS_NUM_THREADS=1`` unless the variable is set, read when
numpy is first imported): the relations multiply small matrices by the thousand (:mod:`kg.relations.matching`),
and OpenBLAS's thread pool makes each product some 20 times costlier in CPU on a busy machine
(``BENCHMARKS.md``, "Relations across plans").
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
