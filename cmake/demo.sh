#!/bin/sh
# The main job: `cellsched simulate` with no arguments replays the bundled Philly-derived trace on the
# bundled 1,280-GPU heterogeneous cluster under every available policy and prints the comparison
# (beside the reference simulator's recorded figures).
exec "$1" simulate
