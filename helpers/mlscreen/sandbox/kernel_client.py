"""A kernel client that is ready the moment the kernel is, with no fixed waits.

jupyter_client's `wait_for_ready` ends by draining IOPub until nothing has come for 0.2 s,
so every notebook of a batch waits 0.2 s with the core idle. This client takes the kernel
as ready once it has answered `kernel_info` and its IOPub has reported that request's idle
status: IOPub is then connected, and the request's own messages are read.
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient

_IOPUB_PATIENCE = 0.05  # seconds for the idle status before asking again (IOPub may connect late)


class PromptKernelClient(AsyncKernelClient):
    """`wait_for_ready` without jupyter_client's 0.2 s IOPub drain."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        asked: set[str] = set()
        while True:
            asked.add(self.kernel_info())
            reply = await self._reply_to(asked, min(1.0, max(0.0, deadline - time.monotonic())))
            if reply is not None and await self._idle_for(asked, _IOPUB_PATIENCE):
                self._handle_kernel_info_reply(reply)
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} s")

    @staticmethod
    async def _first(channel, seconds: float, wanted) -> dict | None:
        """The first message on `channel` for which `wanted(msg)` holds, within `seconds`, or None."""
        end = time.monotonic() + seconds
        while True:
            try:
                msg = await channel.get_msg(timeout=max(0.0, end - time.monotonic()))
            except Empty:
                return None
            if wanted(msg):
                return msg

    async def _reply_to(self, asked: set[str], seconds: float) -> dict | None:
        """A kernel_info reply to one of `asked` within `seconds`, or None."""
        return await self._first(self.shell_channel, seconds, lambda msg: (
            msg["msg_type"] == "kernel_info_reply" and msg["parent_header"].get("msg_id") in asked))

    async def _idle_for(self, asked: set[str], seconds: float) -> bool:
        """Whether IOPub reports the idle status of one of `asked` within `seconds`."""
        return await self._first(self.iopub_channel, seconds, lambda msg: (
            msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle"
            and msg["parent_header"].get("msg_id") in asked)) is not None
