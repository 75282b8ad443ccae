"""Distributed rendering: a plan's targets as tasks on a cluster, over a shared disk cache.

``schedule`` (which tasks, in which order) and ``worker`` (what one task does) need no
cluster software; ``ray_executor`` imports Ray, only when it is used (``shotspec[ray]``).
"""

from shotspec.runtime.distributed.schedule import (RenderTask, finished_targets, needed_nodes,
                                                   plan_tasks, subplan)

__all__ = ["RenderTask", "plan_tasks", "needed_nodes", "subplan", "finished_targets"]
