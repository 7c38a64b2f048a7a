"""Benchmark: one grading kernel's start and end, with jupyter_client's stock waits and the kit's.

Run from the course root with the venv's Python:  .venv/bin/python bench/kernel_lifecycle.py [N]
Forks N kernels (default 12) each way from one template, alternating, each in a fresh jail,
and prints the medians of: ready (start until `wait_for_ready` returns), a first trivial
cell, and an immediate shutdown. Needs what the template needs (root and bubblewrap).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import Type

from mlscreen.course.settings import KERNEL_ARGUMENTS
from mlscreen.sandbox.jail import open_jail
from mlscreen.sandbox.kernel_manager import JailedKernelManager
from mlscreen.sandbox.limits import Limits
from mlscreen.sandbox.policy import detect
from mlscreen.sandbox.template import TemplateKernel, usable


class _StockWaits(JailedKernelManager):
    """The kit's kernel manager with jupyter_client's own ready and exit waits."""

    client_factory = Type(AsyncKernelClient, klass="jupyter_client.asynchronous.AsyncKernelClient")

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        await AsyncKernelManager._async_wait(self, pollinterval)


async def _one(template: TemplateKernel, manager: type[JailedKernelManager]) -> tuple[float, float, float]:
    with open_jail(protections=detect()) as jail:
        km = manager(jail=jail, template=template, kernel_name="python3")
        start = time.perf_counter()
        await km.start_kernel(extra_arguments=list(KERNEL_ARGUMENTS))
        client = km.client()
        client.start_channels()
        await client.wait_for_ready(timeout=60)
        ready = time.perf_counter()
        await client.execute_interactive("x = 1", timeout=60)
        ran = time.perf_counter()
        client.stop_channels()
        await km.shutdown_kernel(now=True)
        return ready - start, ran - ready, time.perf_counter() - ran


async def _main(count: int) -> None:
    template = TemplateKernel(detect(), Limits.from_environment())
    ways = {"jupyter_client's waits": _StockWaits, "the kit's": JailedKernelManager}
    times: dict[str, list] = {name: [] for name in ways}
    try:
        for _ in range(count):
            for name, manager in ways.items():
                times[name].append(await _one(template, manager))
    finally:
        template.close()
    print(f"\n{count} forked kernels each way, medians:")
    print(f"{'':24} {'ready':>8} {'1st cell':>9} {'shutdown':>9} {'in all':>8}")
    totals = {}
    for name, rows in times.items():
        medians = [statistics.median(row[i] for row in rows) for i in range(3)]
        totals[name] = sum(medians)
        print(f"{name:24} {medians[0]:7.3f}s {medians[1]:8.3f}s {medians[2]:8.3f}s {totals[name]:7.3f}s")
    stock, kit = totals.values()
    print(f"saved per notebook: {stock - kit:.3f} s ({stock / kit:.2f}x)")


def main() -> None:
    if not usable(detect()):
        sys.exit("the template kernel needs root and bubblewrap")
    asyncio.run(_main(int(sys.argv[1]) if len(sys.argv) > 1 else 12))


if __name__ == "__main__":
    main()
