"""gunicorn settings that profile each worker (cProfile, CPU time) from its start to its exit: the whole request path
as served, HTTP parsing included. ``benchmarks/writes.py --profile DIR`` uses it; stats land in DIR/worker-<pid>."""

import cProfile
import os
import time


def post_worker_init(worker):
    worker.profile = cProfile.Profile(time.process_time)
    worker.profile.enable()


def worker_exit(server, worker):
    worker.profile.disable()
    worker.profile.dump_stats(os.path.join(os.environ["BENCH_PROFILE_DIR"], f"worker-{worker.pid}"))
